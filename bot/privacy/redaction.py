"""Redaction: replace personal data in a message with typed placeholders, in every language.

    redact("my husband Raj Patel hit me, call 07700 900123")
    -> "my husband [NAME] hit me, call [PHONE]"
    redact("mój mąż Tomasz mnie bije, ul. Lipowa 12", "pl")
    -> "mój mąż [NAME] mnie bije, [ADDRESS]"

The language (bot/privacy/detect.py, or the caller's) chooses the path; every rule runs on
the text with native digits made ASCII (same offsets):
- English: Presidio's AnalyzerEngine runs the spaCy English pipeline once per message; its
  recognisers (spaCy PERSON, email, URL, NHS number) run beside ours (uk_recognizers,
  name_recognizer, multilingual).
- Any other supported language: the same pattern recognisers (numbers, emails, URLs,
  postcodes) and the multilingual engine (cues, kinship words, addresses, handles and the
  language's name list: data/privacy/<code>.yml), without spaCy.
- A language we do not support: the whole message becomes [OTHER_LANGUAGE].
Words in a script the language is not written in are taken whole as names. Overlapping
findings are merged into one span (the union, so nothing is left half-covered) typed by the
strongest finding; findings on the allow-list are dropped; placeholders are written into the
original text.

Privacy: nothing here logs the text or the findings. Presidio's loggers are capped at
WARNING because its context enhancer logs message words at DEBUG. If anything inside fails,
redact() fails closed: it returns [OTHER_LANGUAGE] (the whole message withheld), never the
original text.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import NamedTuple

from bot.privacy import multilingual
from bot.privacy.allow_list import default_allow_list
from bot.privacy.detect import detect
from bot.privacy.normalise import for_analysis, to_original
from bot.privacy.entities import (
    ADDRESS,
    CARD,
    DATE,
    EMAIL,
    ID_NUMBER,
    OTHER_LANGUAGE,
    OTHER_LANGUAGE_ENTITY,
    PERSON,
    PHONE,
    PLACEHOLDERS,
    URL,
)
from bot.privacy.registry import OTHER, codes
from bot.privacy.spacy_model import model_path

logger = logging.getLogger(__name__)
_PLACEHOLDER_RE = re.compile(
    "|".join(re.escape(p) for p in list(PLACEHOLDERS.values()) + [OTHER_LANGUAGE]))
__all__ = [
    "OTHER",
    "OTHER_LANGUAGE",
    "PLACEHOLDERS",
    "Finding",
    "find_spans",
    "redact",
    "warm_up",
]

# Longer texts are cut before analysis: the channels refuse them anyway (utter_too_long),
# and spaCy's cost grows with length. Nothing past the limit is returned or stored.
MAX_CHARS = 5000

# Presidio's own entity names -> ours.
_PRESIDIO_TYPES = {"PERSON": PERSON, "EMAIL_ADDRESS": EMAIL, "URL": URL, "UK_NHS": ID_NUMBER}
# Scores double as priorities when findings overlap (see _merge); ours are set in
# uk_recognizers / name_recognizer.
_PRESIDIO_SCORES = {"EMAIL_ADDRESS": 0.99, "URL": 0.9, "UK_NHS": 0.9}

for _name in ("presidio-analyzer", "presidio-anonymizer"):
    logging.getLogger(_name).setLevel(logging.WARNING)


class Finding(NamedTuple):
    start: int
    end: int
    entity: str  # one of PLACEHOLDERS' keys
    score: float


def _offline_tldextract() -> None:
    """Make tldextract (used by Presidio's email recogniser) use its bundled public suffix
    snapshot: no download, no cache file under the home directory."""
    import tldextract.tldextract as tld

    if not getattr(tld.TLD_EXTRACTOR, "_safe_report_offline", False):
        offline = tld.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                 fallback_to_snapshot=True)
        offline._safe_report_offline = True
        tld.TLD_EXTRACTOR = offline


class _NoContextEnhancer:
    """Presidio's lemma context enhancer logs message words at DEBUG; our recognisers do
    their own context checks, so enhancement is switched off."""

    def enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers,
                              context=None):
        return raw_results


def _nlp_engine():
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    ner_config = NerModelConfiguration(
        model_to_presidio_entity_mapping={"PERSON": "PERSON"},
        labels_to_ignore=["CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW",
                          "LOC", "MONEY", "NORP", "ORDINAL", "ORG", "PERCENT", "PRODUCT",
                          "QUANTITY", "TIME", "WORK_OF_ART"],
        low_score_entity_names=[],
    )
    nlp_engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": str(model_path())}],
        ner_model_configuration=ner_config,
    )
    nlp_engine.load()
    return nlp_engine


class _MultilingualRecognizer:
    """The multilingual engine inside Presidio's English run (cues of every language,
    addresses, handles), so English messages get them in the same pass."""

    @staticmethod
    def make():
        from presidio_analyzer import EntityRecognizer, RecognizerResult

        class MultilingualRecognizer(EntityRecognizer):
            def __init__(self) -> None:
                super().__init__(supported_entities=["PERSON", "ADDRESS", "HANDLE"],
                                 name="MultilingualRecognizer", supported_language="en")

            def load(self) -> None:
                pass

            def analyze(self, text, entities, nlp_artifacts=None):
                return [RecognizerResult(e, s, t, score)
                        for s, t, e, score in multilingual.find(text, "en")]

        return MultilingualRecognizer()


class _Engines:
    def __init__(self) -> None:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.predefined_recognizers import (
            EmailRecognizer,
            NhsRecognizer,
            SpacyRecognizer,
            UrlRecognizer,
        )

        from bot.privacy.name_recognizer import NameRecognizer
        from bot.privacy.names import lexicon
        from bot.privacy.uk_recognizers import UkPatternRecognizer

        _offline_tldextract()
        registry = RecognizerRegistry(supported_languages=["en"])
        # Pattern recognisers that need no NLP: also run alone for the other languages.
        self.patterns = (EmailRecognizer(), UrlRecognizer(), NhsRecognizer(),
                         UkPatternRecognizer())
        for recognizer in (SpacyRecognizer(supported_entities=["PERSON"]), *self.patterns,
                           NameRecognizer(), _MultilingualRecognizer.make()):
            registry.add_recognizer(recognizer)
        self.analyzer = AnalyzerEngine(
            registry=registry, nlp_engine=_nlp_engine(), supported_languages=["en"],
            context_aware_enhancer=_NoContextEnhancer(), log_decision_process=False)
        self.allow = default_allow_list()
        lexicon()  # build the name lists now, not on the first message
        multilingual.warm_up()
        self.lock = threading.Lock()


_engines: _Engines | None = None
_init_lock = threading.Lock()


def _get_engines() -> _Engines:
    global _engines
    if _engines is None:
        with _init_lock:
            if _engines is None:
                _engines = _Engines()
    return _engines


def warm_up() -> None:
    """Load Presidio, spaCy, the language detector and every language's lists now (once per
    process) and run one message through each path."""
    from bot.privacy.detect import warm_up as warm_up_detector

    _get_engines()
    warm_up_detector()
    # touches every recogniser once, incl. tldextract's suffix snapshot (email, URL)
    find_spans("warm up: Priya Sharma, 07700 900123, SW1A 1AA, a.b@example.org, www.example.org",
               "en")
    find_spans("nazywam się Ewa, ul. Lipowa 12, @ewa", "pl")


def _sanitise(text: str) -> str:
    """Lone surrogates would break every encoder downstream; NUL bytes break some stores."""
    if not isinstance(text, str):
        text = str(text)
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> "?"
    return text.replace("\x00", " ")[:MAX_CHARS]


def _allowed(text: str, f: Finding, allow, allowed_spans, number_spans) -> bool:
    fragment = text[f.start:f.end]
    if f.entity in (PHONE, ID_NUMBER, CARD, DATE):
        if allow.is_allowed_number(fragment):
            return True
        # every digit of the finding lies inside a quoted helpline number
        digits = [i for i in range(f.start, f.end) if text[i].isdigit()]
        if digits and all(any(s <= i < e for s, e in number_spans) for i in digits):
            return True
    if f.entity == URL and allow.is_allowed_domain(fragment):
        return True
    if f.entity == EMAIL and allow.is_allowed_email(fragment):
        return True
    if f.entity == PERSON and allow.is_allowed_text(fragment):
        return True
    # inside an allowed phrase ("Southall Black Sisters", "help@galop.org.uk")
    return any(s <= f.start and f.end <= e for s, e in allowed_spans)


def _merge(findings: list[Finding], text: str) -> list[Finding]:
    """Union overlapping findings (typed by the strongest); join same-type neighbours that
    only whitespace or a comma separates ("[NAME] [NAME]" -> "[NAME]")."""
    merged: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and f.start < merged[-1].end:
            last = merged[-1]
            best = last if last.score >= f.score else f
            merged[-1] = Finding(last.start, max(last.end, f.end), best.entity,
                                 max(last.score, f.score))
        elif (merged and merged[-1].entity == f.entity
              and re.fullmatch(r"[\s,]*", text[merged[-1].end:f.start])
              and f.entity in (PERSON, ADDRESS)):
            last = merged[-1]
            merged[-1] = Finding(last.start, f.end, f.entity, max(last.score, f.score))
        else:
            merged.append(f)
    return merged


def _english_results(ascii_text: str, engines: _Engines):
    with engines.lock:
        return engines.analyzer.analyze(text=ascii_text, language="en")


def _pattern_results(ascii_text: str, engines: _Engines, code: str):
    """The pattern recognisers alone (no spaCy) plus the multilingual engine."""
    from presidio_analyzer import RecognizerResult

    results = []
    for recognizer in engines.patterns:
        results += recognizer.analyze(ascii_text, recognizer.supported_entities, None)
    results += [RecognizerResult(e, s, t, score)
                for s, t, e, score in multilingual.find(ascii_text, code)]
    return results


def _to_finding(r, text: str) -> Finding | None:
    """Presidio's result -> our Finding (None when it is not one of our types or is noise)."""
    entity = _PRESIDIO_TYPES.get(r.entity_type, r.entity_type)
    if entity not in PLACEHOLDERS:
        return None
    meta = r.recognition_metadata if isinstance(r.recognition_metadata, dict) else {}
    recognizer = meta.get("recognizer_name")
    score = _PRESIDIO_SCORES.get(r.entity_type, r.score)
    start, end = r.start, r.end
    if recognizer == "SpacyRecognizer":
        # spaCy's small model calls some capitalised words people ("Visa", "Help")
        if _spacy_person_is_noise(text[start:end]):
            return None
        start, end = _trim_words(text, start, end)
        if start >= end:
            return None
        score = 0.6
    elif recognizer == "NameRecognizer":
        score = 0.7
    elif entity in (URL, EMAIL):
        start, end = _whole_address(text, start, end)
    return Finding(start, end, entity, score)


_ADDRESS_CHAR = re.compile(r"[\w\-.~/%?=&#+:@]")


def _whole_address(text: str, start: int, end: int) -> "tuple[int, int]":
    """Presidio's URL pattern can stop inside a top-level domain it does not list
    ("victimsupport.scot" -> "victimsupport.sc"): extend a web or email address over the rest
    of its word, so no part of it is left behind and the allow-list sees the whole host."""
    while end < len(text) and _ADDRESS_CHAR.match(text[end]) and not (
            text[end] in ".?:" and (end + 1 == len(text) or text[end + 1].isspace())):
        end += 1
    while start > 0 and _ADDRESS_CHAR.match(text[start - 1]):
        start -= 1
    return start, end


def find_spans(text: str, language: str | None = None) -> list[Finding]:
    """The findings redact() would replace, on the sanitised text. For evaluation and tests.
    `language` is a code of data/languages.yml or "other"; None: detect it here.

    Raises on internal failure (redact() turns that into a fail-closed result)."""
    text = _sanitise(text)
    if not text.strip():
        return []
    code = language if language is not None else detect(text)
    if code not in codes():
        return [Finding(0, len(text), OTHER_LANGUAGE_ENTITY, 1.0)]
    engines = _get_engines()
    clean, offsets = for_analysis(text)
    results = (_english_results(clean, engines) if code == "en"
               else _pattern_results(clean, engines, code))
    # Words in a script the language is not written in: taken whole (typed as a name,
    # below any pattern type, so an address or number written in them keeps its type).
    findings: list[Finding] = [Finding(s, e, PERSON, 0.5)
                               for s, e in multilingual.other_script_words(clean, code)]
    allowed_spans = engines.allow.spans(clean)
    number_spans = engines.allow.number_spans(clean)
    placeholder_spans = [m.span() for m in _PLACEHOLDER_RE.finditer(clean)]
    for r in results:
        f = _to_finding(r, clean)
        if f is None or any(s <= f.start and f.end <= e for s, e in placeholder_spans):
            continue  # already redacted (the tracker store redacts a second time)
        if not _allowed(clean, f, engines.allow, allowed_spans, number_spans):
            findings.append(f)
    merged = _merge(findings, clean)
    return [Finding(*to_original(offsets, f.start, f.end), f.entity, f.score) for f in merged]


def _spacy_person_is_noise(fragment: str) -> bool:
    """spaCy's small model calls some ordinary capitalised words people ("Visa", "Help")."""
    from bot.privacy.name_recognizer import NOT_NAMES
    from bot.privacy.names import english_words, is_known_english, name_part

    words = re.findall(r"[^\W\d_]+", fragment)
    common = english_words()
    return not words or all(
        w.lower() in NOT_NAMES or (w.lower() in common or is_known_english(w))
        and not name_part(w) for w in words)


def _trim_words(text: str, start: int, end: int):
    """Drop lower-case English words at the edges of a spaCy PERSON span
    ("Patel said" -> "Patel")."""
    from bot.privacy.names import is_known_english, name_part

    words = list(re.finditer(r"\S+", text[start:end]))
    def plain(m):
        w = m.group().strip(".,;:!?")
        return w.islower() and is_known_english(w) and not name_part(w)
    while words and plain(words[-1]):
        words.pop()
    while words and plain(words[0]):
        words.pop(0)
    if not words:
        return start, start
    return start + words[0].start(), start + words[-1].end()


def _replace(text: str, findings: list[Finding]) -> str:
    """Write the placeholders into the text (findings are merged: sorted, no overlaps)."""
    if findings and findings[0].entity == OTHER_LANGUAGE_ENTITY:
        return OTHER_LANGUAGE
    out, pos = [], 0
    for f in findings:
        out.append(text[pos:f.start])
        out.append(PLACEHOLDERS[f.entity])
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


def redact(text: str, language: str | None = None) -> str:
    """Return the text with personal data replaced by typed placeholders. `language` is the
    message's language code (data/languages.yml) or "other"; None: detected here.

    Thread-safe. Never raises for any str; on an internal failure it returns
    [OTHER_LANGUAGE] rather than anything of the original text."""
    try:
        clean = _sanitise(text)
        return _replace(clean, find_spans(clean, language))
    except Exception as exc:  # fail closed, and say only what kind of error it was
        logger.error("redaction failed (%s); message withheld", type(exc).__name__)
        return OTHER_LANGUAGE
