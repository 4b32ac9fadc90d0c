"""Finds personal names the spaCy NER misses: names from the lexicon (names.py) and words
that follow or precede a strong cue ("my husband X", "called X", "name is X", "X hit me").

Works on the spaCy Doc that Presidio already computed (no second NLP pass).
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult

from bot.privacy.entities import PERSON
from bot.privacy.names import (
    PARTICLES,
    is_english_name,
    is_known_english,
    is_weak_name,
    name_part,
)

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")

# A person's role before their name: "my husband Raj", "her boss, Mr Khan".
RELATION_CUES = frozenset(
    ["husband", "hubby", "wife", "partner", "boyfriend", "girlfriend", "bf", "gf", "ex", "fiance", "fiancee", "fiancé", "son", "daughter", "brother", "sister", "mum", "mom", "mother", "father", "dad", "uncle", "aunt", "auntie", "cousin", "nephew", "niece", "grandson", "granddaughter", "friend", "boss", "employer", "manager", "landlord", "landlady", "neighbour", "neighbor", "sponsor", "agent", "pimp", "owner", "supervisor", "colleague", "inlaw", "in-law", "stepfather", "stepmother", "stepdad", "stepmum", "mr", "mrs", "ms", "miss", "dr", "sir", "madam"]
)
# Verbs that introduce a name right after them ("called Raj", "named Ana").
NAMING_CUES = frozenset(["called", "named", "name's", "names"])
# Verbs that follow a person ("Raj hit me", "ana took my passport").
ACTION_CUES = frozenset(
    ["hit", "hits", "hitting", "beat", "beats", "beating", "hurt", "hurts", "hurting", "threatened", "threatens", "threaten", "threatening", "kicked", "kicks", "punched", "punches", "slapped", "slaps", "raped", "rapes", "abused", "abuses", "took", "takes", "controls", "controlled", "locked", "locks", "keeps", "kept", "says", "said", "told", "tells", "forced", "forces", "attacked", "attacks", "choked", "chokes", "strangled", "pushed", "pushes", "grabbed", "touched", "follows", "followed", "stalks", "stalked", "sold", "owes"]
)
# Greetings and words from other languages that are not names but sit in some name lists.
NOT_NAMES = frozenset(
    ["salam", "salaam", "assalamualaikum", "namaste", "hola", "ciao", "habibi", "inshallah", "mashallah", "ji", "bhai", "didi", "baba", "mama", "papa", "bro", "sis", "mate", "dear", "hun", "babe", "sir", "madam", "helo", "heya", "hii", "hiii", "hallo", "muslim", "moslem", "islam", "islamic", "hindu", "sikh", "christian", "jewish", "jew", "buddhist", "catholic", "arab", "arabic", "african", "asian", "polish", "romanian", "indian", "pakistani", "bangladeshi", "nigerian", "somali", "eritrean", "sudanese", "afghan", "syrian", "iraqi", "iranian", "kurdish", "albanian", "filipino", "filipina", "brazilian", "colombian", "venezuelan", "mexican", "ukrainian", "russian", "urdu", "hindi", "punjabi", "bengali", "bangla", "tagalog", "spanish", "portuguese"]
)


_TITLES = frozenset(["mr", "mrs", "ms", "miss", "dr", "sir", "madam", "mx"])


def _is_word(text: str) -> bool:
    return bool(_WORD.fullmatch(text))


def _capitalised(text: str) -> bool:
    return text[:1].isupper() and (len(text) == 1 or not text[1:].isupper() or len(text) > 2)


# Above spaCy's 0.85 so that Presidio's de-duplication keeps our finding over spaCy's for the
# same span; redaction.py re-scores it to 0.7 (below every pattern type: an address wins).
SCORE = 0.9


# Verbs that put a person's name right after them: "please call Precious", "tell Joy".
# Only for names that are also words, and only when capitalised.
ADDRESS_CUES = frozenset(["call", "ring", "phone", "text", "message", "tell", "ask", "let", "meet", "see"])
# Sikh names: the word before Kaur or Singh is a first name ("jaswinder kaur").
SIKH_SURNAMES = frozenset(("kaur", "singh"))
_SKIP_BEFORE = ("my", "her", "his", "our", "their", "the", "'s", "-", ",", "your", "a")


class _Message:
    """One message's tokens and what each of them looks like (built once per analyze)."""

    def __init__(self, doc) -> None:
        self.toks = list(doc)
        self.n = n = len(self.toks)
        self.lower = [t.text.lower() for t in self.toks]
        self.word = [_is_word(t.text) for t in self.toks]
        self.is_name = [self.word[i] and self.lower[i] not in NOT_NAMES and name_part(t.text)
                        for i, t in enumerate(self.toks)]
        self.weak = [self.is_name[i] and is_weak_name(t.text) for i, t in enumerate(self.toks)]
        self.cap = [_capitalised(t.text) for t in self.toks]
        words = [i for i in range(n) if self.word[i]]
        if len(words) >= 4 and sum(self.cap[i] for i in words) >= 0.6 * len(words):
            # Title Case or ALL CAPS message: capitals say nothing about names here.
            self.cap = [False] * n
        # spaCy's places and nationalities are not people ("from India", "in Birmingham").
        self.place = set()
        for ent in getattr(doc, "ents", ()):
            if ent.label_ in ("GPE", "LOC", "NORP"):
                self.place.update(range(ent.start, ent.end))
        # A name that counts on its own: not a dictionary word, or capitalised.
        self.solid = [self.is_name[i] and (not self.weak[i] or self.cap[i]) for i in range(n)]

    def prev_word(self, i: int, skip=_SKIP_BEFORE) -> str | None:
        j = i - 1
        while j >= 0 and self.lower[j] in skip:
            j -= 1
        return self.lower[j] if j >= 0 else None

    def cued_before(self, i: int) -> bool:
        p = self.prev_word(i)
        if p in RELATION_CUES or p in NAMING_CUES:
            return True
        # "name is X", "his name was X"
        return i >= 2 and self.lower[i - 1] in ("is", "was", ":", "'s") and \
            self.lower[i - 2] == "name"

    def introduced(self, i: int) -> bool:
        # "this is X", "i am X", "i'm X", "im X", "its X": only for lexicon names
        two = " ".join(self.lower[max(0, i - 2):i])
        return two.endswith(("this is", "i am", "i 'm", "i m", "it 's", "its")) or (
            i >= 1 and self.lower[i - 1] in ("im", "i'm", "hi", "hello", "dear"))

    def cued_after(self, i: int) -> bool:
        lower, n = self.lower, self.n
        if i + 1 < n and lower[i + 1] in ACTION_CUES:
            return True
        # apposition: "Grace, my daughter", "Raj my husband"
        j = i + 1
        if j < n and lower[j] == ",":
            j += 1
        return j + 1 < n and lower[j] in ("my", "her", "his", "our") and \
            lower[j + 1] in RELATION_CUES

    def addressed(self, i: int) -> bool:
        """"please call Precious", "tell Joy": a verb of contact right before."""
        return i >= 1 and self.lower[i - 1] in ADDRESS_CUES


def _seed_strong(m: _Message, i: int) -> bool:
    n, word = m.n, m.toks[i].text
    neighbour = (i > 0 and m.is_name[i - 1]) or (i + 1 < n and m.is_name[i + 1])
    # Short lower-case names ("ho", "li", "jo") collide with abbreviations and typos: they
    # need a cue or a neighbouring name.
    alone_ok = len(word) >= 4 or m.cap[i]
    return (neighbour or m.cued_before(i) or m.cued_after(i) or m.introduced(i)
            or alone_ok and (m.cap[i] or m.toks[i].pos_ == "PROPN" or len(word) >= 4))


def _seed_weak(m: _Message, i: int) -> bool:
    """A lexicon name that is also a dictionary word: "said", "rose", "khan", "john"."""
    n, t = m.n, m.toks[i]
    strong_neighbour = (i > 0 and m.is_name[i - 1] and not m.weak[i - 1]) or (
        i + 1 < n and m.is_name[i + 1] and not m.weak[i + 1])
    if m.cap[i] and (not t.is_sent_start or t.pos_ == "PROPN" or m.cued_after(i)):
        return True
    return m.cued_before(i) or strong_neighbour or m.introduced(i) or m.cued_after(i)


def _seed_other(m: _Message, i: int) -> bool:
    """Words that are not lexicon names: everyday-word names and unknown words with a cue."""
    word, lower, cap, t = m.toks[i].text, m.lower, m.cap, m.toks[i]
    if is_english_name(word):
        # "Will", "Grace", "Joy": only capitalised, with a cue right beside them.
        return cap[i] and (m.cued_before(i) and m.prev_word(i) == lower[i - 1]
                           or m.cued_after(i) or m.addressed(i)
                           or i >= 2 and lower[i - 1] in ("is", "was") and lower[i - 2] == "name")
    if not is_known_english(word) and m.cued_before(i) and len(word) > 1:
        # "my husband Zorgon", "named kemi": an unknown word right after a cue.
        if cap[i] or m.prev_word(i) in NAMING_CUES or lower[i - 1] in ("is", "was"):
            return True
        return m.prev_word(i) in RELATION_CUES and t.pos_ in ("PROPN", "NOUN", "X")
    return cap[i] and m.introduced(i) and not is_known_english(word) and len(word) > 1


def _seeds(m: _Message) -> list[int]:
    seeds = []
    for i in range(m.n):
        if not m.word[i] or m.lower[i] in NOT_NAMES:
            continue
        if i in m.place and not (m.cued_before(i) or m.introduced(i)) and (
                m.weak[i] or not m.is_name[i]):
            continue
        if m.is_name[i]:
            chosen = _seed_weak(m, i) if m.weak[i] else _seed_strong(m, i)
        else:
            chosen = _seed_other(m, i)
        if chosen:
            seeds.append(i)
    return seeds


def _extend(m: _Message, i: int) -> tuple[int, int]:
    """The whole name around seed i: lexicon names, capitalised non-English words,
    particles between parts ("Maricel Dela Cruz", "Mohammed al Rashid"), a title before."""
    start = end = i
    while end + 1 < m.n and m.word[end + 1]:
        nl = m.lower[end + 1]
        if m.solid[end + 1] or (m.cap[end + 1] and not is_known_english(nl)
                                and nl not in NOT_NAMES):
            end += 1
        elif nl in PARTICLES and end + 2 < m.n and (m.solid[end + 2] or m.cap[end + 2]):
            end += 2
        else:
            break
    while start - 1 >= 0 and m.word[start - 1] and (
            m.solid[start - 1] or (m.lower[start - 1] in PARTICLES and start - 1 > 0
                                   and m.solid[start - 2])):
        start -= 1
    # A first name that is also a word, right before a lexicon surname: "grace okafor".
    if start - 1 >= 0 and m.is_name[start] and not m.weak[start] and (
            m.weak[start - 1] or is_english_name(m.toks[start - 1].text)):
        start -= 1
    # Sikh names: "jaswinder kaur", "Ranjit Singh"
    if start - 1 >= 0 and m.lower[start] in SIKH_SURNAMES and m.word[start - 1] and \
            not is_known_english(m.lower[start - 1]) and m.lower[start - 1] not in NOT_NAMES:
        start -= 1
    if start > 0 and m.lower[start - 1].rstrip(".") in _TITLES:
        start -= 1
    return start, end


class NameRecognizer(EntityRecognizer):
    """Lexicon + cue names."""

    def __init__(self) -> None:
        super().__init__(supported_entities=[PERSON], name="NameRecognizer",
                         supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        doc = getattr(nlp_artifacts, "tokens", None)
        if doc is None:
            return []
        m = _Message(doc)
        results: list[RecognizerResult] = []
        covered: set = set()
        for i in _seeds(m):
            if i in covered:
                continue
            start, end = _extend(m, i)
            covered.update(range(start, end + 1))
            results.append(RecognizerResult(
                PERSON, m.toks[start].idx, m.toks[end].idx + len(m.toks[end].text), SCORE))
        return results
