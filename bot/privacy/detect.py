"""Which supported language a message is in: a code from data/languages.yml, or "other".

    detect("Czy policja powie Home Office o mnie?")              -> "pl"
    detect("tak", previous="pl")                                 -> "pl" (short: continues)
    detect("my husband said puta and hit me")                    -> "en" (one foreign word)
    detect("ik ben bang voor de politie")                        -> "other" (Dutch: a decoy)

Steps: placeholders, addresses of the web, handles and digits are set aside; the script of
the letters decides first (Gurmukhi -> pa, Bengali -> bn, a script we do not read -> other);
Arabic script goes to the detector restricted to Arabic, Urdu and Farsi (a decoy); Latin
script is Roman Urdu if enough of its words are frequent Roman Urdu words (the detector cannot
read it), English if nearly all its words are English, else the detector restricted to our
Latin-script languages plus decoys (Tagalog, Dutch, Somali, French, ...): a decoy wins ->
"other". Letters that only one of our languages uses (ł, ș, ã, ñ, ơ) break near ties.

The detector is lingua-language-detector in low-accuracy mode (trigram models only: about
60 MB with every language preloaded, well under a millisecond a message), built on first use.
Nothing here logs the text or the language.
"""
from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Sequence
from functools import cache, lru_cache

from bot.privacy.registry import OTHER, codes, decoys, language, privacy_data
from bot.privacy.scripts import letter_scripts, word_script

SHORT_WORDS = 3  # a message of this many words or fewer continues the conversation's language
ENGLISH_SHARE = 0.75  # share of English words that makes a Latin message English
CONFIDENCE_FLOOR = 0.2  # below this the detector is not trusted

_SET_ASIDE = re.compile(
    r"\[[A-Z_]+\]|https?://\S+|www\.\S+|\S+@\S+|@\w[\w.]*|"
    r"[^\s\d\u0660-\u0669\u06f0-\u06f9\u09e6-\u09ef\u0a66-\u0a6f]*"
    r"[\d\u0660-\u0669\u06f0-\u06f9\u09e6-\u09ef\u0a66-\u0a6f]\S*")
_WORDS = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")

# Letters that, among our Latin-script languages, only one uses.
_HINT_LETTERS = {
    "pl": "ąęłśźżćń", "ro": "șşțţ", "pt": "ãõ", "es": "ñ¿¡", "sq": "ë",
    "vi": "ơưđ" + "".join(chr(c) for c in range(0x1EA0, 0x1F00)),
    "ur": "ٹڈڑںےۓ", "ar": "ةىإأؤ",
}
DETECTOR_WEIGHT = 0.4  # the low-accuracy detector is sure of itself even when wrong on short text
HINT_WEIGHT = 0.5
SUPPORTED_PRIOR = 0.1  # people here write our languages far more often than the decoys
PREVIOUS_PRIOR = 0.2  # and rarely switch language mid-conversation

_lock = threading.Lock()
_detectors: dict[str, object] = {}


def _detector(kind: str):
    """lingua detectors, one for Latin script and one for Arabic script, built once."""
    with _lock:
        if kind not in _detectors:
            from lingua import Language as Lingua
            from lingua import LanguageDetectorBuilder

            wanted = [language(c).detector for c in codes() if language(c).detector]
            wanted += list(decoys())
            arabic = {"ARABIC", "URDU", "PERSIAN"}
            chosen = [n for n in wanted if (n in arabic) == (kind == "Arab")]
            if kind == "Arab":
                chosen = sorted(arabic)
            langs = [getattr(Lingua, n) for n in dict.fromkeys(chosen) if hasattr(Lingua, n)]
            _detectors[kind] = (LanguageDetectorBuilder.from_languages(*langs)
                                .with_low_accuracy_mode().with_preloaded_language_models()
                                .build())
        return _detectors[kind]


def warm_up() -> None:
    _detector("Latn")
    _detector("Arab")


def _by_detector_name() -> dict[str, str]:
    return {language(c).detector: c for c in codes() if language(c).detector}


def _scores(kind: str, text: str) -> dict[str, float]:
    """Detector confidence per detector language name."""
    values = _detector(kind).compute_language_confidence_values(text)
    return {v.language.name: v.value for v in values}


# spaCy stop-word lists of the Latin-script decoys (our languages use their data file's).
_DECOY_STOP_WORDS = {
    "TAGALOG": "tl", "DUTCH": "nl", "FRENCH": "fr", "ITALIAN": "it", "GERMAN": "de",
    "TURKISH": "tr", "INDONESIAN": "id", "MALAY": "ms", "CATALAN": "ca", "CZECH": "cs",
    "SLOVAK": "sk", "CROATIAN": "hr", "LITHUANIAN": "lt", "HUNGARIAN": "hu",
    "AFRIKAANS": "af", "IRISH": "ga", "YORUBA": "yo", "PERSIAN": "fa",
}


@cache
def _stop_words(name: str) -> frozenset[str]:
    """Function words of a detector language (empty when none ship with spaCy)."""
    ours = _by_detector_name()
    if name in ours:
        from bot.privacy.lexicons import everyday_words

        data = privacy_data(ours[name])
        cues = {w for phrase in data.name_cues + data.intro_cues + data.kinship
                for w in phrase.split()}
        from bot.privacy.topic_words import topic_words

        return everyday_words(ours[name]) | cues | set(data.detect_words) | topic_words(ours[name])
    module = _DECOY_STOP_WORDS.get(name)
    if not module:
        return frozenset()
    try:
        stop = importlib.import_module(f"spacy.lang.{module}.stop_words").STOP_WORDS
    except ImportError:
        return frozenset()
    return frozenset(w for entry in stop for w in str(entry).lower().split())


def _hints(text: str) -> list[str]:
    low = text.lower()
    return [code for code, letters in _HINT_LETTERS.items() if any(ch in letters for ch in low)]


def _pick(kind: str, words: Sequence[str], previous: str | None = None) -> str:
    """The detector's confidence, plus the share of the words that are the language's
    function words (short messages carry little else), plus letters only it uses, plus
    small priors for our languages and the conversation's language."""
    text = " ".join(words)
    scores = {name: DETECTOR_WEIGHT * value for name, value in _scores(kind, text).items()}
    ours = _by_detector_name()
    lower = [w.lower() for w in words if len(w) > 1]  # "i", "a", "e", "o" are everyone's
    for name in list(scores):
        stop = _stop_words(name)
        if stop and lower:
            scores[name] += sum(w in stop for w in lower) / len(lower)
        if name in ours:
            scores[name] += SUPPORTED_PRIOR + (PREVIOUS_PRIOR if ours[name] == previous else 0)
    for code in _hints(text):
        name = language(code).detector
        if name in scores:
            scores[name] += HINT_WEIGHT
    if not scores:
        return OTHER
    best = max(scores, key=scores.get)
    if scores[best] < CONFIDENCE_FLOOR:
        return OTHER
    return ours.get(best, OTHER)


@lru_cache(maxsize=1)
def _english_words():
    from bot.privacy.names import english_words

    return english_words()


def _is_english(word: str) -> bool:
    from bot.privacy.names import is_known_english

    w = word.lower()
    return w in _english_words() or is_known_english(w)


def _is_person_name(word: str) -> bool:
    from bot.privacy.names import name_part

    return (word[:1].isupper() and len(word) > 2 and name_part(word)
            and word.lower() not in _english_words())


def _is_allowed(word: str) -> bool:
    """Service and place names ("Silent", "Solution", "Scotland") are everyone's words."""
    from bot.privacy.allow_list import default_allow_list

    allow = default_allow_list()
    low = word.lower()
    return low in allow.phrase_words or low in allow.phrases


def _roman_urdu(words: list[str]) -> bool:
    markers = frozenset(privacy_data("ur-Latn").detect_words)
    hits = [w for w in words if w in markers]
    strong = [w for w in hits if w not in _english_words()]
    if len(words) <= SHORT_WORDS:
        return len(strong) >= 1 and len(hits) * 2 >= len(words)
    return len(strong) >= 2 and len(hits) >= 0.35 * len(words)


@lru_cache(maxsize=1)
def _foreign_words() -> frozenset[str]:
    """Function words of every other Latin-script language we know (ours and the decoys),
    without those that are English too ("me", "no", "he")."""
    out: set = set()
    for code in codes():
        if code != "en" and language(code).script == "Latn":
            out |= _stop_words(language(code).detector) if language(code).detector else set()
            out |= set(privacy_data(code).detect_words)
    for name in _DECOY_STOP_WORDS:
        out |= _stop_words(name)
    common = _english_words()
    return frozenset(w for w in out if len(w) > 1 and w not in common)


_NON_ENGLISH_LETTERS = re.compile(r"[^\x00-\x7f\u2019\u2018]")


def _latin(words: list[str], previous: str | None) -> str:
    """English unless there is positive evidence of another language: its function words,
    letters English does not use, or mostly words English does not know (Somali, Hausa)."""
    lower = [w.lower() for w in words]
    if _roman_urdu(lower):
        return "ur-Latn"
    content = [w.lower() for w in words if not _is_person_name(w)] or lower
    foreign = _foreign_words()
    english = [w for w in content if _is_english(w) and w not in foreign]
    # a function word of another language that is also an English word ("dot", "jest") is
    # no evidence; letters English does not use are
    evidence = [w for w in content if not _is_english(w) and (
        w in foreign or _NON_ENGLISH_LETTERS.search(w))]
    unknown = [w for w in content if len(w) > 2 and not _is_english(w)]
    mostly_unknown = len(unknown) >= 3 and len(unknown) >= 0.6 * len(content)
    if not evidence and not mostly_unknown:
        return "en"
    if len(evidence) == 1 and len(content) <= 2 and not _NON_ENGLISH_LETTERS.search(evidence[0]):
        return previous or "en"  # one short foreign-looking word proves nothing
    foreign_count = len(set(evidence) | (set(unknown) if mostly_unknown else set()))
    if len(english) >= 2 and foreign_count <= 1:
        return "en"  # English with one foreign word
    if english and len(english) >= ENGLISH_SHARE * (len(english) + foreign_count):
        return "en"
    return _pick("Latn", words, previous)


def detect(text: str, previous: str | None = None) -> str:
    """The message's language code, or "other". `previous` is the conversation's language
    so far (None at the start): short messages continue it."""
    if previous is not None and previous not in codes() and previous != OTHER:
        previous = None
    body = _SET_ASIDE.sub(" ", text if isinstance(text, str) else "")
    # Proper nouns (names, streets, "Home Office") say nothing about the language.
    words = [w for i, w in enumerate(_WORDS.findall(body))
             if i == 0 or not w[:1].isupper() or w.isupper() and len(w) > 1]
    words = [w for w in words if not (w[:1].isupper() and _is_allowed(w))]
    if not words:
        return previous or "en"
    if not words:
        return previous or "en"
    scripts = letter_scripts(" ".join(words))
    # Arabic-script words are short (no written vowels): weigh them up against Latin.
    weighted = {s: n * (1.0 if s == "Latn" else 1.5) for s, n in scripts.items()}
    main = max(weighted, key=weighted.get)
    short = len(words) <= SHORT_WORDS
    if previous and short and (language(previous).script == main if previous != OTHER
                               else main != "Latn"):
        return previous
    if main == "Guru":
        return "pa"
    if main == "Beng":
        return "bn"
    if main == "Arab":
        return _pick("Arab", [w for w in words if word_script(w) == "Arab"], previous)
    if main != "Latn":
        return OTHER
    return _latin([w for w in words if word_script(w) == "Latn"], previous)
