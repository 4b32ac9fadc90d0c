"""The readable mapping (data/themes.yml) from intents and bot responses to themes and outcomes,
and the fixed list of language codes the language table may hold (data/languages.yml)."""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.settings import settings

# The outcome row that counts conversations which raised a theme at all, whatever followed.
THEME_RAISED = "theme_raised"
THEME_RAISED_TITLE = "Conversations that raised this theme"
THEME_RAISED_DESCRIPTION = (
    "Each conversation that raised the theme counts once here, whatever the assistant gave."
)
CHANNEL_KINDS = ("webchat", "twilio")

# The detector's answer for a language we do not support; always a valid language row.
OTHER_LANGUAGE = "other"
OTHER_LANGUAGE_TITLE = "Another language (not supported)"
# Used only while data/languages.yml is missing (it is being added with language detection):
# the same codes and English names. Once the file exists it is the one list, read below.
FALLBACK_LANGUAGES = {
    "en": "English", "pl": "Polish", "ro": "Romanian", "pt": "Portuguese", "es": "Spanish",
    "ur": "Urdu", "ur-Latn": "Urdu in Latin letters (Roman Urdu)", "pa": "Panjabi (Gurmukhi)",
    "ar": "Arabic", "bn": "Bengali", "sq": "Albanian", "vi": "Vietnamese",
}
# A code goes into SQL CHECK lists and the database: a BCP 47 language with an optional script.
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?$")

_SLUG = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
_SAFE_TEXT = re.compile(r"^[^\x00-\x1f]{1,600}$")  # titles also go into SQL CHECK lists (escaped)


@dataclass(frozen=True)
class Label:
    slug: str
    title: str
    description: str


@dataclass
class Vocabulary:
    themes: dict[str, Label]
    outcomes: dict[str, Label]  # includes THEME_RAISED
    languages: dict[str, Label] = field(default_factory=dict)  # includes OTHER_LANGUAGE
    min_intent_confidence: float = 0.0
    _intent_themes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _response_themes: list[tuple[str, str]] = field(default_factory=list)  # (pattern, theme)
    _response_outcomes: list[tuple[str, str]] = field(default_factory=list)  # (pattern, outcome)
    _cache: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)

    def themes_for_intent(self, intent: str) -> tuple[str, ...]:
        return self._intent_themes.get(intent, ())

    def for_response(self, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(themes, outcomes) that a bot response or action name stands for; unknown: ((), ())."""
        hit = self._cache.get(name)
        if hit is None:
            themes = tuple(dict.fromkeys(t for p, t in self._response_themes if fnmatch.fnmatchcase(name, p)))
            outcomes = tuple(dict.fromkeys(o for p, o in self._response_outcomes if fnmatch.fnmatchcase(name, p)))
            hit = (themes, outcomes)
            if len(self._cache) < 10_000:  # names come from our own domain; bound it anyway
                self._cache[name] = hit
        return hit

    def language(self, value: object) -> str | None:
        """The code if it is one we count, else None: never an arbitrary string from metadata."""
        return value if isinstance(value, str) and value in self.languages else None


def _label(slug: str, body: dict) -> Label:
    if not _SLUG.match(slug):
        raise ValueError(f"bad slug in themes mapping: {slug!r}")
    title = str(body.get("title", "")).strip()
    description = " ".join(str(body.get("description", "")).split())
    for text in (title, description):
        if not _SAFE_TEXT.match(text):
            raise ValueError(f"title/description of {slug} must be 1-600 characters on one line")
    return Label(slug, title, description)


def load_languages(path: Path | str | None = None) -> dict[str, Label]:
    """The supported languages (data/languages.yml, else FALLBACK_LANGUAGES) plus "other"."""
    path = Path(path or settings().data_dir / "languages.yml")
    if path.exists():
        entries = yaml.safe_load(path.read_text(encoding="utf-8")).get("languages") or []
        names = {str(e["code"]): str(e.get("english") or e["code"]) for e in entries}
    else:
        names = dict(FALLBACK_LANGUAGES)
    names[OTHER_LANGUAGE] = OTHER_LANGUAGE_TITLE
    languages = {}
    for code, name in names.items():
        if not (_LANGUAGE_CODE.match(code) or code == OTHER_LANGUAGE) or not _SAFE_TEXT.match(name):
            raise ValueError(f"bad language in the language list: {code!r}")
        about = "a language Safe Report does not support" if code == OTHER_LANGUAGE else name
        languages[code] = Label(code, name, f"Conversations in {about}.")
    return languages


def load_vocabulary(path: Path | str | None = None, languages_path: Path | str | None = None) -> Vocabulary:
    raw = yaml.safe_load(Path(path or settings().data_dir / "themes.yml").read_text(encoding="utf-8"))
    vocab = Vocabulary(themes={}, outcomes={}, languages=load_languages(languages_path),
                       min_intent_confidence=float(raw.get("min_intent_confidence", 0.0)))
    intent_themes: dict[str, list[str]] = {}
    for slug, body in (raw.get("themes") or {}).items():
        vocab.themes[slug] = _label(slug, body)
        for intent in body.get("intents") or []:
            intent_themes.setdefault(str(intent), []).append(slug)
        for pattern in body.get("responses") or []:
            vocab._response_themes.append((str(pattern), slug))
    vocab.outcomes[THEME_RAISED] = Label(THEME_RAISED, THEME_RAISED_TITLE, THEME_RAISED_DESCRIPTION)
    for slug, body in (raw.get("outcomes") or {}).items():
        if slug == THEME_RAISED:
            raise ValueError(f"{THEME_RAISED} is reserved")
        vocab.outcomes[slug] = _label(slug, body)
        for pattern in body.get("responses") or []:
            vocab._response_outcomes.append((str(pattern), slug))
    if not vocab.themes or len(vocab.outcomes) < 2:
        raise ValueError("themes mapping needs at least one theme and one outcome")
    vocab._intent_themes = {k: tuple(v) for k, v in intent_themes.items()}
    return vocab
