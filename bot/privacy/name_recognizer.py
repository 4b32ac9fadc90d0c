"""Finds personal names the spaCy NER misses: names from the lexicon (names.py) and words
that follow or precede a strong cue ("my husband X", "called X", "name is X", "X hit me").

Works on the spaCy Doc that Presidio already computed (no second NLP pass).
"""

from __future__ import annotations

import re
from typing import List, Optional

from presidio_analyzer import EntityRecognizer, RecognizerResult

from bot.privacy.names import (
    PARTICLES, is_english_name, is_known_english, is_weak_name, name_part,
)
from bot.privacy.uk_recognizers import PERSON

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")

# A person's role before their name: "my husband Raj", "her boss, Mr Khan".
RELATION_CUES = frozenset(
    """husband hubby wife partner boyfriend girlfriend bf gf ex fiance fiancee fiancé
    son daughter brother sister mum mom mother father dad uncle aunt auntie cousin
    nephew niece grandson granddaughter friend boss employer manager landlord landlady
    neighbour neighbor sponsor agent pimp owner supervisor colleague inlaw in-law
    stepfather stepmother stepdad stepmum mr mrs ms miss dr sir madam""".split()
)
# Verbs that introduce a name right after them ("called Raj", "named Ana").
NAMING_CUES = frozenset("called named name's names".split())
# Verbs that follow a person ("Raj hit me", "ana took my passport").
ACTION_CUES = frozenset(
    """hit hits hitting beat beats beating hurt hurts hurting threatened threatens threaten
    threatening kicked kicks punched punches slapped slaps raped rapes abused abuses
    took takes controls controlled locked locks keeps kept says said told tells forced
    forces attacked attacks choked chokes strangled pushed pushes grabbed touched
    follows followed stalks stalked sold owes""".split()
)
# Greetings and words from other languages that are not names but sit in some name lists.
NOT_NAMES = frozenset(
    "salam salaam assalamualaikum namaste hola ciao habibi inshallah mashallah ji bhai "
    "didi baba mama papa bro sis mate dear hun babe sir madam helo heya hii hiii hallo "
    "muslim moslem islam islamic hindu sikh christian jewish jew buddhist catholic "
    "arab arabic african asian polish romanian indian pakistani bangladeshi nigerian "
    "somali eritrean sudanese afghan syrian iraqi iranian kurdish albanian filipino "
    "filipina brazilian colombian venezuelan mexican ukrainian russian urdu hindi "
    "punjabi bengali bangla tagalog spanish portuguese".split()
)


_TITLES = frozenset("mr mrs ms miss dr sir madam mx".split())


def _is_word(text: str) -> bool:
    return bool(_WORD.fullmatch(text))


def _capitalised(text: str) -> bool:
    return text[:1].isupper() and (len(text) == 1 or not text[1:].isupper() or len(text) > 2)


# Above spaCy's 0.85 so that Presidio's de-duplication keeps our finding over spaCy's for the
# same span; redaction.py re-scores it to 0.7 (below every pattern type: an address wins).
SCORE = 0.9


class NameRecognizer(EntityRecognizer):
    """Lexicon + cue names."""

    def __init__(self) -> None:
        super().__init__(supported_entities=[PERSON], name="NameRecognizer",
                         supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None) -> List[RecognizerResult]:
        doc = getattr(nlp_artifacts, "tokens", None)
        if doc is None:
            return []
        toks = list(doc)
        n = len(toks)
        lower = [t.text.lower() for t in toks]
        is_name = [
            _is_word(t.text) and lower[i] not in NOT_NAMES and name_part(t.text)
            for i, t in enumerate(toks)
        ]
        weak = [is_name[i] and is_weak_name(t.text) for i, t in enumerate(toks)]
        cap = [_capitalised(t.text) for t in toks]
        words = [i for i in range(n) if _is_word(toks[i].text)]
        if len(words) >= 4 and sum(cap[i] for i in words) >= 0.6 * len(words):
            # Title Case or ALL CAPS message: capitals say nothing about names here.
            cap = [False] * n
        # spaCy's places and nationalities are not people ("from India", "in Birmingham").
        place = set()
        for ent in getattr(doc, "ents", ()):
            if ent.label_ in ("GPE", "LOC", "NORP"):
                place.update(range(ent.start, ent.end))
        # A name that counts on its own: not a dictionary word, or capitalised.
        solid = [is_name[i] and (not weak[i] or cap[i]) for i in range(n)]

        def prev_word(i: int, skip=("my", "her", "his", "our", "their", "the", "'s",
                                    "-", ",", "your", "a")) -> Optional[str]:
            j = i - 1
            while j >= 0 and lower[j] in skip:
                j -= 1
            return lower[j] if j >= 0 else None

        def cued_before(i: int) -> bool:
            p = prev_word(i)
            if p in RELATION_CUES or p in NAMING_CUES:
                return True
            # "name is X", "his name was X", "i am X", "i'm X", "this is X"
            if i >= 2 and lower[i - 1] in ("is", "was", ":", "'s") and lower[i - 2] == "name":
                return True
            return False

        def introduced(i: int) -> bool:
            # "this is X", "i am X", "i'm X", "im X", "its X": only for lexicon names
            two = " ".join(lower[max(0, i - 2):i])
            return two.endswith(("this is", "i am", "i 'm", "i m", "it 's", "its")) or (
                i >= 1 and lower[i - 1] in ("im", "i'm", "hi", "hello", "dear"))

        def cued_after(i: int) -> bool:
            if i + 1 < n and lower[i + 1] in ACTION_CUES:
                return True
            # apposition: "Grace, my daughter", "Raj my husband"
            j = i + 1
            if j < n and lower[j] == ",":
                j += 1
            return j + 1 < n and lower[j] in ("my", "her", "his", "our") and \
                lower[j + 1] in RELATION_CUES

        seeds = set()
        for i, t in enumerate(toks):
            word = t.text
            if not _is_word(word) or lower[i] in NOT_NAMES:
                continue
            if i in place and not (cued_before(i) or introduced(i)) and (
                    weak[i] or not is_name[i]):
                continue
            if is_name[i] and not weak[i]:
                neighbour = (i > 0 and is_name[i - 1]) or (i + 1 < n and is_name[i + 1])
                # Short lower-case names ("ho", "li", "jo") collide with abbreviations and
                # typos: they need a cue or a neighbouring name.
                alone_ok = len(word) >= 4 or cap[i]
                if (neighbour or cued_before(i) or cued_after(i) or introduced(i)
                        or alone_ok and (cap[i] or t.pos_ == "PROPN" or len(word) >= 4)):
                    seeds.add(i)
            elif is_name[i]:  # weak: "said", "rose", "khan", "john"
                strong_neighbour = (i > 0 and is_name[i - 1] and not weak[i - 1]) or (
                    i + 1 < n and is_name[i + 1] and not weak[i + 1])
                if cap[i] and (not t.is_sent_start or t.pos_ == "PROPN" or cued_after(i)):
                    seeds.add(i)
                elif cued_before(i) or strong_neighbour or introduced(i) or cued_after(i):
                    seeds.add(i)
            elif is_english_name(word):
                # "Will", "Grace", "Black": only with a cue right beside them, or as the
                # first name of a lexicon surname (handled when extending that name).
                if cap[i] and (cued_before(i) and prev_word(i) == lower[i - 1]
                               or cued_after(i)):
                    seeds.add(i)
            elif not is_known_english(word) and cued_before(i) and len(word) > 1:
                # "my husband Zorgon", "named kemi": an unknown word right after a cue.
                if cap[i] or prev_word(i) in NAMING_CUES or lower[i - 1] in ("is", "was"):
                    seeds.add(i)
                elif prev_word(i) in RELATION_CUES and t.pos_ in ("PROPN", "NOUN", "X"):
                    seeds.add(i)
            elif cap[i] and introduced(i) and not is_known_english(word) and len(word) > 1:
                seeds.add(i)  # "help me im Bushra", "this is Wambui"

        results: List[RecognizerResult] = []
        covered = set()
        for i in sorted(seeds):
            if i in covered:
                continue
            start = end = i
            # Extend over the rest of the name: lexicon names, capitalised non-English words,
            # and particles between parts ("Maricel Dela Cruz", "Mohammed al Rashid").
            while end + 1 < n:
                nxt = toks[end + 1]
                if not _is_word(nxt.text):
                    break
                nl = lower[end + 1]
                if solid[end + 1] or (cap[end + 1] and not is_known_english(nl)
                                      and nl not in NOT_NAMES):
                    end += 1
                elif nl in PARTICLES and end + 2 < n and (
                        solid[end + 2] or cap[end + 2]):
                    end += 2
                else:
                    break
            while start - 1 >= 0 and _is_word(toks[start - 1].text) and (
                    solid[start - 1] or (lower[start - 1] in PARTICLES and start - 1 > 0
                                         and solid[start - 2])):
                start -= 1
            # A first name that is also a word, right before a lexicon surname:
            # "grace okafor", "rose kowalczyk".
            if start - 1 >= 0 and is_name[start] and not weak[start] and (
                    weak[start - 1] or is_english_name(toks[start - 1].text)):
                start -= 1
            if start > 0 and lower[start - 1].rstrip(".") in _TITLES:
                start -= 1
            covered.update(range(start, end + 1))
            results.append(RecognizerResult(
                PERSON, toks[start].idx, toks[end].idx + len(toks[end].text), SCORE))
        return results
