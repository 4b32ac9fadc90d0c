"""One redaction engine for every language, driven by data/privacy/<code>.yml.

Runs on every message, whatever its language (people mix languages):
- cue phrases of every language: "nazywam się X", "me llamo X", "میرا نام X", "আমার নাম X";
- kinship and work roles and titles of every language: "mój mąż X", "soțul meu X", "زوجي X";
- frames: "main X hoon", "ਮੈਂ X ਹਾਂ";
- street addresses in the forms people use ("ul. Lipowa 12", "Strada Victoriei 4",
  "شارع الملك فهد ١٢", "مکان نمبر ۴۵", "১২ গ্রিন স্ট্রিট", "số 12 đường Lê Lợi");
- social-media handles (@name).
Runs for the detected language only: its name list (Faker locales + the file's `names`), for
names written with no cue.

The text it gets has ASCII digits already (bot/privacy/digits.py), with the same offsets as
the original. It returns (start, end, entity, score) findings; redaction.py merges them with
the pattern and Presidio findings. Nothing here logs.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from bot.privacy.entities import ADDRESS, HANDLE, PERSON
from bot.privacy.lexicons import everyday_words, fold, function_words, is_name
from bot.privacy.registry import all_privacy_data, codes, language, privacy_data
from bot.privacy.scripts import word_script

Finding = tuple[int, int, str, float]
MAX_NAME_WORDS = 3
NAME_SCORE = 0.75  # below every number and address type: those win an overlap
ADDRESS_SCORE = 0.86
HANDLE_SCORE = 0.95

HANDLE_RE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,40}[A-Za-z0-9_])?")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    key: str  # folded, Latin diacritics removed: what cue phrases are matched on
    script: str | None

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()


def _is_word_char(ch: str) -> bool:
    return ch.isalpha() or unicodedata.category(ch)[0] == "M" or ch in "\u200c\u200d"


def _key(word: str) -> str:
    """Cue-matching form: folded; Latin letters also without diacritics ("się" ~ "sie")."""
    w = fold(word).rstrip(".")
    if word_script(w) == "Latn":
        w = "".join(c for c in unicodedata.normalize("NFD", w) if not unicodedata.combining(c))
        w = w.replace("ł", "l").replace("đ", "d")
    return w


def tokenize(text: str) -> list[Token]:
    """Words: runs of letters and combining marks (vowel signs of Bengali and Gurmukhi are
    marks; Python's \\w would split those words), with inner apostrophes and hyphens."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if not _is_word_char(text[i]):
            i += 1
            continue
        j = i
        while j < n and (_is_word_char(text[j]) or text[j] in "'\u2019-" and j + 1 < n
                         and _is_word_char(text[j + 1]) and j > i):
            j += 1
        word = text[i:j]
        tokens.append(Token(i, j, word, _key(word), word_script(word)))
        i = j
    return tokens


@dataclass(frozen=True)
class _Phrase:
    keys: tuple[str, ...]
    kind: str  # name | intro | kin | title | frame
    code: str
    after: tuple[str, ...] = ()  # for frames: the words after the gap


@lru_cache(maxsize=1)
def _phrases() -> dict[str, list[_Phrase]]:
    """Every cue phrase of every language, indexed by its first word's key."""
    index: dict[str, list[_Phrase]] = {}

    def add(text: str, kind: str, code: str, after: Sequence[str] = ()) -> None:
        keys = tuple(_key(w) for w in text.split())
        if keys:
            index.setdefault(keys[0], []).append(
                _Phrase(keys, kind, code, tuple(_key(w) for w in after)))

    for data in all_privacy_data():
        for cue in data.name_cues:
            add(cue, "name", data.code)
        for cue in data.intro_cues:
            add(cue, "intro", data.code)
        for cue in data.kinship:
            add(cue, "kin", data.code)
        for cue in data.titles:
            add(cue, "title", data.code)
        for frame in data.frames:
            before, _, after = frame.partition("{}")
            add(before, "frame", data.code, after.split())
    for entries in index.values():
        entries.sort(key=lambda p: -len(p.keys))  # longest phrase first
    return index


@lru_cache(maxsize=1)
def _titles() -> frozenset[str]:
    return frozenset(_key(t) for d in all_privacy_data() for t in d.titles)


@lru_cache(maxsize=1)
def _after_name() -> frozenset[str]:
    return frozenset(_key(t) for d in all_privacy_data() for t in d.after_name)


@cache
def _keep_phrases() -> tuple[tuple[str, ...], ...]:
    """Phrases of every language that are never names ("tiếng Anh": English)."""
    phrases = {tuple(_key(w) for w in p.split()) for d in all_privacy_data() for p in d.keep}
    return tuple(sorted(phrases, key=len, reverse=True))


def _broad_name(word: str) -> bool:
    from bot.privacy.names import english_words, name_part

    return name_part(word) and word.lower() not in english_words()


class _Context:
    """What the name rules need to know about one message."""

    def __init__(self, text: str, tokens: list[Token], code: str):
        self.text = text
        self.tokens = tokens
        self.code = code
        self.everyday = everyday_words(code) | everyday_words("en")
        self.kept = self._kept_tokens()
        # In Title Case or ALL CAPS messages capitals say nothing about names.
        latin = [t for t in tokens if t.script == "Latn"]
        self.caps_meaningful = not (len(latin) >= 4 and sum(t.capitalised for t in latin)
                                    >= 0.6 * len(latin))
        self.cue_tokens: set = set()  # words of matched cue phrases ("میرے مالک") are no names

    def _kept_tokens(self) -> set:
        kept = set()
        keys = [t.key for t in self.tokens]
        for phrase in _keep_phrases():
            for i in range(len(keys) - len(phrase) + 1):
                if tuple(keys[i:i + len(phrase)]) == phrase:
                    kept.update(range(i, i + len(phrase)))
        return kept

    def function_word(self, i: int) -> bool:
        w = fold(self.tokens[i].text)
        return w in function_words(self.code) or w in function_words("en")

    def everyday_word(self, i: int) -> bool:
        t = self.tokens[i]
        return fold(t.text) in self.everyday or t.key in self.everyday

    def known_name(self, i: int, cue_code: str | None = None) -> bool:
        """A name of the message's language or the cue's; after a cue, everyday words that
        are names count too. Latin-script words also count when they are in the broad name
        list of the English path (44 Faker locales: people here name people from every
        community, whatever language they write in)."""
        t = self.tokens[i]
        langs = {self.code, cue_code or self.code}
        if any(is_name(t.text, c, cued=cue_code is not None) for c in langs):
            return True
        return t.script == "Latn" and len(t.text) > 2 and _broad_name(t.text)

    def adjacent(self, i: int) -> bool:
        """Only spaces between token i-1 and token i (no comma, no full stop)."""
        if i == 0:
            return False
        gap = self._text_between(i - 1, i)
        return gap.strip() == ""

    def _text_between(self, a: int, b: int) -> str:
        return self.text[self.tokens[a].end:self.tokens[b].start]


def _first_name_ok(ctx: _Context, i: int, kind: str, cue_code: str) -> bool:
    """May token i, right after a cue of this kind, be the first word of a name?"""
    t = ctx.tokens[i]
    if i in ctx.kept or t.key in _titles():
        return False
    latin = t.script == "Latn"
    if kind in ("name", "frame"):
        return not ctx.everyday_word(i) or (latin and t.capitalised and ctx.known_name(i, cue_code))
    if latin:
        if t.capitalised and ctx.caps_meaningful:
            return not ctx.everyday_word(i) or ctx.known_name(i, cue_code)
        return ctx.known_name(i, cue_code) and not ctx.everyday_word(i)
    # scripts without capitals: a known name (after a kinship word, even one that is also an
    # everyday word: "أخي كريم"), or a word before "ne"/"ko"-like particles
    if ctx.known_name(i, cue_code) and not (
            ctx.function_word(i) if kind == "kin" else ctx.everyday_word(i)):
        return True
    nxt = i + 1 < len(ctx.tokens) and ctx.tokens[i + 1].key in _after_name()
    return kind == "kin" and nxt and not ctx.everyday_word(i)


def _next_name_ok(ctx: _Context, i: int, kind: str, cue_code: str) -> bool:
    """May token i continue a name that started before it?"""
    t = ctx.tokens[i]
    if i in ctx.kept or not ctx.adjacent(i):
        return False
    if t.script == "Latn":
        # after "my name is": capitals count even in a message with many of them
        if t.capitalised and (ctx.caps_meaningful or kind == "name"):
            return not (ctx.everyday_word(i) and not ctx.known_name(i, cue_code))
        return ctx.known_name(i, cue_code) and not ctx.everyday_word(i)
    if ctx.known_name(i, cue_code) and not ctx.everyday_word(i):
        return True
    return kind == "name" and not ctx.everyday_word(i) and t.key not in _after_name()


def _match_phrase(ctx: _Context, i: int) -> tuple[_Phrase, int] | None:
    """The longest cue phrase starting at token i: (phrase, index after it)."""
    keys = [t.key for t in ctx.tokens]
    for phrase in _phrases().get(keys[i], ()):
        if phrase.code == "en" and ctx.code == "en":
            continue  # English cues in English: the spaCy-informed NameRecognizer does them
        end = i + len(phrase.keys)
        if tuple(keys[i:end]) == phrase.keys:
            return phrase, end
    return None


def _name_after(ctx: _Context, j: int, phrase: _Phrase) -> tuple[int, int] | None:
    """Token span [j, k) of a name right after a cue, or None."""
    n = len(ctx.tokens)
    while j < n and ctx.tokens[j].key in _titles() and phrase.kind != "title":
        j += 1  # "mój szef pan Nowak", "la señora Pilar"
    if j >= n or not _first_name_ok(ctx, j, phrase.kind, phrase.code):
        return None
    limit = MAX_NAME_WORDS + (1 if ctx.code == "vi" or phrase.code == "vi" else 0)
    k = j + 1
    while k < n and k - j < limit and _next_name_ok(ctx, k, phrase.kind, phrase.code):
        k += 1
    if phrase.kind == "frame":
        # the words after the gap must follow: "main {Fatima} hoon"
        after = phrase.after
        for end in range(k, j, -1):
            if tuple(t.key for t in ctx.tokens[end:end + len(after)]) == after:
                return j, end
        return None
    return j, k


def _cued_names(ctx: _Context) -> list[tuple[int, int]]:
    spans = []
    i, n = 0, len(ctx.tokens)
    while i < n:
        found = _match_phrase(ctx, i)
        if not found:
            i += 1
            continue
        phrase, j = found
        ctx.cue_tokens.update(range(i, j))
        span = _name_after(ctx, j, phrase)
        if span:
            # a title goes with the name ("pan Nowak"); other cues stay
            spans.append((i if phrase.kind == "title" else span[0], span[1]))
            i = span[1]
        else:
            i = j if phrase.kind != "title" else i + 1
    return spans


def _lexicon_names(ctx: _Context) -> list[tuple[int, int]]:
    """Names of the message's language written with no cue."""
    if ctx.code == "en":
        return []  # English lexicon names: Presidio's NameRecognizer (name_recognizer.py)
    spans = []
    tokens = ctx.tokens
    i, n = 0, len(tokens)
    while i < n:
        t = tokens[i]
        solid = (i not in ctx.kept and i not in ctx.cue_tokens and not ctx.everyday_word(i)
                 and ctx.known_name(i, None)
                 and (t.script != "Latn" or t.capitalised) and len(t.text) > 1)
        if not solid:
            i += 1
            continue
        k = i + 1
        while k < n and k - i < MAX_NAME_WORDS + 1 and _next_name_ok(ctx, k, "lexicon",
                                                                      ctx.code):
            k += 1
        spans.append((i, k))
        i = k
    return spans


@lru_cache(maxsize=1)
def _address_patterns() -> tuple[re.Pattern, ...]:
    data = all_privacy_data()

    def alternation(words) -> str:
        words = sorted({w for w in words if w}, key=len, reverse=True)
        return "|".join(re.escape(w) for w in words)

    before = alternation(w for d in data for w in d.street_before)
    after = alternation(w for d in data for w in d.street_after)
    places = alternation(w for d in data for w in d.numbered_places)
    numwords = alternation(w for d in data for w in d.number_words)
    edge = r"(?<![^\W\d_])"  # not inside a word
    house = r"\d{1,4}[a-z]?(?:\s*/\s*\d{1,4})?(?![\d])"
    name_words = r"(?:[^\s\d,.;:!?()]+\.?\s*){1,4}?"
    patterns = [
        # "ul. Lipowa 12", "Strada Victoriei 4", "Rua Augusta, 1500", "str. X nr. 23"
        edge + r"(?:" + before + r")(?:\s+|(?<=[./])\s*)" + name_words + r",?\s*(?:(?:"
        + numwords + r")\s*)?" + house,
        # "১২ গ্রিন স্ট্রিট", "۲۳ وکٹوریہ روڈ"
        r"(?<![\d])\d{1,4}[a-z]?,?\s+(?:[^\s\d,.;:!?()]+\s+){1,3}?(?:" + after + r")"
        r"(?![^\W\d_])",
        # "مکان نمبر ۴۵، گلی نمبر ۳", "ਮਕਾਨ ਨੰਬਰ ੨੩, ਗਲੀ ਨੰਬਰ ੪"
        edge + r"(?:" + places + r")\s*(?:" + numwords + r")\s*[:.]?\s*\d{1,5}[a-z]?"
        r"(?:\s*[,،]\s*(?:" + places + r")\s*(?:" + numwords + r")\s*[:.]?\s*\d{1,5}[a-z]?)*",
        # "số 12 đường Lê Lợi": number, street word, then the capitalised street name
        edge + r"(?:(?:" + numwords + r")\s*)?\d{1,4}[a-z]?\s+(?:" + before + r")\s+"
        r"(?:[^\W\d_][^\s\d,.;:!?()]*\s*){1,4}",
    ]
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns if "(?:)" not in p)


def _trim_lowercase_tail(text: str, start: int, end: int) -> int:
    """Drop lower-case words at the end of a Vietnamese-style street name match."""
    words = list(re.finditer(r"\S+", text[start:end]))
    while len(words) > 3 and not words[-1].group()[:1].isupper():
        words.pop()
    return start + words[-1].end() if words else end


def _addresses(text: str) -> list[Finding]:
    found = []
    for number, pattern in enumerate(_address_patterns()):
        for m in pattern.finditer(text):
            end = m.end()
            if number == 3:
                end = _trim_lowercase_tail(text, m.start(), end)
            fragment = text[m.start():end].rstrip(" ,")
            if any(ch.isdigit() for ch in fragment):
                found.append((m.start(), m.start() + len(fragment), ADDRESS, ADDRESS_SCORE))
    return found


def _handles(text: str) -> list[Finding]:
    return [(m.start(), m.end(), HANDLE, HANDLE_SCORE) for m in HANDLE_RE.finditer(text)
            if len(m.group()) > 2]


def find(text: str, code: str) -> list[Finding]:
    """Findings in `text` (ASCII digits) for a message in language `code`."""
    if code not in codes():
        raise ValueError("unsupported language")
    tokens = tokenize(text)
    ctx = _Context(text, tokens, code)
    findings: list[Finding] = []
    cued = _cued_names(ctx)  # first: it records the cue words the lexicon rule skips
    for a, b in cued + _lexicon_names(ctx):
        findings.append((tokens[a].start, tokens[b - 1].end, PERSON, NAME_SCORE))
    findings += _addresses(text)
    findings += _handles(text)
    return findings


def other_script_words(text: str, code: str) -> list[tuple[int, int]]:
    """Words in a script the message's language is not written in: in a Latin-script
    message, every non-Latin word; in an Arabic-script message, Bengali or Gurmukhi words
    (Latin words are common in every script here and are checked as such). Without a
    name list for them, they are taken whole."""
    own = language(code).script
    spans = []
    for t in tokenize(text):
        script = t.script
        if script is None or script == own or script == "Latn":
            continue
        spans.append((t.start, t.end))
    return spans


def warm_up() -> None:
    """Build the cue index, patterns and every language's lists now."""
    from bot.privacy.lexicons import names

    _phrases()
    _address_patterns()
    for code in codes():
        names(code)
        everyday_words(code)
        privacy_data(code)
