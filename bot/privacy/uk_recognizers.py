"""Presidio recognisers for UK formats Presidio lacks or misses.

Formats (sources: Royal Mail postcode format; Ofcom UK numbering plan; HMRC National
Insurance number manual NIM39110; UKVI: BRP numbers are 2 letters + 7 digits, Home Office /
UKVI reference numbers are often a letter + 7 digits with an optional "/n" suffix, GWF
numbers GWF + 9 digits, Unique Application Numbers 4 groups of 4 digits, share codes
9 characters; UK passports 9 digits). Users type these with or without spaces, dashes or
dots and in any case, so every pattern is deliberately lenient: a false positive costs a
placeholder, a miss costs someone's safety.

Every finding carries a score that doubles as a priority when findings overlap (see
redaction._merge): context-backed and specific formats outrank generic ones.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Callable, List, Optional, Pattern, Sequence

from presidio_analyzer import EntityRecognizer, RecognizerResult

from bot.privacy.entities import (  # noqa: F401  (re-exported: older imports use this module)
    ADDRESS, CARD, DATE, EMAIL, ID_NUMBER, IP, PERSON, PHONE, POSTCODE, URL,
)

_I = re.IGNORECASE

_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_ORD = r"(?:st|nd|rd|th)?"
_STREET = (
    r"(?:road|rd|street|st|avenue|ave|lane|ln|close|drive|dr|way|crescent|cres|grove|"
    r"place|pl|court|ct|gardens|gdns|terrace|tce|hill|park|square|sq|row|mews|walk|parade|"
    r"green|rise|vale|estate|house|tower|towers|building|buildings|mansions|wharf|quay|yard|"
    r"gate|broadway|circus|boulevard|approach|villas|cottages|heights|lodge|close|view|"
    r"lanes|roads|streets|walks|parades|rows|hills|gates|passage|strand|mall)"
)
# Streets whose whole name is one such word: "67 Broadway", "5 The Crescent" (capitalised,
# so that "2 green cars" is not an address).
_STANDALONE_STREET = (r"(?:The\s+)?(?:Broadway|Parade|Crescent|Avenue|Green|Grove|Mews|Strand|"
                      r"Quadrant|Mall|Circus|Boulevard|Drive|Close|Square)")
# Words that show a clause, not a street name, sits between a number and "house"/"road".
_CLAUSE_WORDS = frozenset(
    "the a an in at on my our his her their your to of and or with for from is are was were "
    "be been i me he she we they it this that these those years year months month weeks "
    "week days day times hours minutes kids children people".split()
)


@dataclass(frozen=True)
class Rule:
    """One regex: which entity it finds, with what score, and optional checks."""

    entity: str
    pattern: Pattern[str]
    score: float
    group: int = 0
    validate: Optional[Callable[[str], bool]] = None
    context: Optional[Pattern[str]] = None  # must match in the 40 characters before
    context_score: Optional[float] = None  # score when context matches (rule always applies)
    context_entity: Optional[str] = None  # entity when context matches


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def _valid_phone(s: str) -> bool:
    d = _digits(s)
    s = s.lstrip("( ")
    if s.startswith("+") or d.startswith("00"):
        return 8 <= len(d) <= 15
    return d.startswith("0") and 10 <= len(d) <= 11 and not d.startswith("00")


def _plausible_date(s: str) -> bool:
    parts = [int(p) for p in re.split(r"[/.\-]", s) if p.isdigit()]
    if len(parts) != 3:
        return False
    if len(str(parts[0])) == 4 or re.match(r"\d{4}", s):
        year, a, b = parts[0], parts[1], parts[2]
    else:
        a, b, year = parts
    return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)


def _street_words_ok(s: str) -> bool:
    s = re.sub(r"^\s*\d{1,4}[a-z]?\b", "", s, flags=_I)  # the house number ("14a")
    words = re.findall(r"[A-Za-z'\u2019]+", s)[:-1]  # without the street suffix
    words = [w for w in words if not re.fullmatch(r"flat|apartment|apt|unit|room", w, _I)]
    if [w.lower() for w in words] == ["the"]:  # "3 The Crescent"
        return True
    return bool(words) and not any(w.lower() in _CLAUSE_WORDS for w in words)


_YEAR_RANGE = re.compile(r"(?:19|20)\d\d(?:\s*[-/]\s*|\s+)(?:19|20)\d\d")
_SHORT_WORDS = frozenset(
    "is at on in to of by my me we he an as or up us so no do go if it am be hi ok".split())


def _nino_ok(s: str) -> bool:
    """Not an English word followed by numbers ("is 08 08 80", "was 530012345")."""
    m = re.match(r"([A-Za-z]+)\s", s)
    if not m:
        return True
    from bot.privacy.names import english_words

    word = m.group(1).lower()
    return word not in _SHORT_WORDS and word not in english_words()


def _share_code_ok(s: str) -> bool:
    compact = re.sub(r"\s", "", s)
    return sum(c.isdigit() for c in compact) >= 2 and sum(c.isalpha() for c in compact) >= 2


def _ipv6_ok(s: str) -> bool:
    try:
        ipaddress.IPv6Address(s)
        return s.count(":") >= 2 and any(c.isdigit() for c in s)
    except ValueError:
        return False


_ID_CONTEXT = re.compile(
    r"(?:\bref\b|\bref(?:erence)?\s*(?:no|number|num)?|\bcase\b|\bcrime\b|\bcid\b|\buan\b|"
    r"\bgwf\b|\bho\b|home\s*office|\bbrp\b|passport|\bn\.?\s?i\.?\b|national\s+insurance|"
    r"\bnino\b|application|permit|share\s*code|\bnhs\b|\bid\b|identity|licen[cs]e|"
    r"\bdriving\b)\W*(?:\w+\W+){0,3}$", _I)
_BANK_CONTEXT = re.compile(
    r"(?:sort\s*code|\bacc(?:ount)?\b|\ba/c\b|\bbank\b|\bcard\b|\bdebit\b|\bcredit\b|"
    r"\biban\b|\bpin\b)\W*(?:\w+\W+){0,3}$", _I)
_DOB_CONTEXT = re.compile(
    r"(?:\bborn\b|\bdob\b|d\.o\.b\.?|date\s+of\s+birth|birthday|\bbday\b)\W*(?:\w+\W+){0,2}$", _I)

RULES: Sequence[Rule] = (
    # --- postcodes: all formats, with or without the space, any case ----------------------
    Rule(POSTCODE, re.compile(
        r"(?<![A-Za-z0-9])[A-Z]{1,2}\d[A-Z\d]?[ \t]*\d[ABD-HJLNP-UW-Z]{2}(?![A-Za-z0-9])", _I),
        0.87),
    # --- street addresses ----------------------------------------------------------------
    Rule(ADDRESS, re.compile(
        r"\b\d{1,4}[a-z]?(?:\s?-\s?\d{1,4})?,?\s+(?:[a-z][\w'\u2019.-]*\s+){1,3}?" + _STREET
        + r"\b", _I), 0.86, validate=_street_words_ok),
    Rule(ADDRESS, re.compile(r"\b\d{1,4}[a-zA-Z]?,?\s+" + _STANDALONE_STREET + r"\b"), 0.86),
    Rule(ADDRESS, re.compile(
        r"\b(?:flat|apartment|apt|unit|room)\s*(?:no\.?\s*)?\d{1,4}[a-z]?\b"
        r"(?:,?\s+(?:[a-z][\w'\u2019]*\s+){1,3}?" + _STREET + r"\b)?", _I), 0.86),
    Rule(ADDRESS, re.compile(
        r"(?<=\b(?:live|stay) (?:on|at|in) )(?:[a-z][\w'\u2019]*\s+){1,3}?" + _STREET + r"\b",
        _I), 0.8, validate=_street_words_ok),
    # --- phone numbers: national 0..., +44 / 0044 / other international -----------------
    Rule(PHONE, re.compile(
        r"(?<![\w+])(?:\+|00)\s?\d(?:[\s.\-()]{0,3}\d){7,14}(?!\d)"), 0.92,
        validate=_valid_phone),
    Rule(PHONE, re.compile(
        r"(?<![\w+])\(?0\d(?:[\s.\-()]{0,2}\d){8,9}(?!\d)"), 0.92, validate=_valid_phone),
    # --- cards, IBANs, sort codes and account numbers ----------------------------------
    Rule(CARD, re.compile(r"(?<![\w-])\d{4}(?:[\s-]?\d{4}){2}(?:[\s-]?\d{1,4}){1,2}(?![\w-])"),
         0.91, context=_ID_CONTEXT, context_entity=ID_NUMBER, context_score=0.97),
    Rule(CARD, re.compile(r"(?<![\w-])\d{4}[\s-]?\d{6}[\s-]?\d{5}(?![\w-])"), 0.91),
    Rule(CARD, re.compile(
        r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b", _I), 0.93,
        validate=lambda s: len(re.sub(r"\s", "", s)) >= 15 and sum(map(str.isdigit, s)) >= 10),
    Rule(CARD, re.compile(r"(?<![\w-])\d{2}[-\s.]\d{2}[-\s.]\d{2}(?![\w-])"), 0.5,
         validate=lambda s: not _plausible_date(s), context=_BANK_CONTEXT, context_score=0.96),
    Rule(CARD, re.compile(r"(?<![\w-])\d{2}[-\s.]?\d{2}[-\s.]?\d{2}(?![\w-])"), 0.0,
         context=_BANK_CONTEXT, context_score=0.96),
    Rule(CARD, re.compile(r"(?<![\w-])\d{8}(?![\w-])"), 0.0,
         context=_BANK_CONTEXT, context_score=0.96),
    # Expiry date and security code after a card cue.
    Rule(CARD, re.compile(r"(?<![\w/])\d{3,4}(?![\w/])"), 0.0,
         context=re.compile(r"(?:\bcvv\b|\bcvc\b|security\s+code)\W*$", _I),
         context_score=0.96),
    Rule(CARD, re.compile(r"(?<![\w/])\d{2}/\d{2}(?![\w/])"), 0.0,
         context=re.compile(r"\bexp(?:iry|ires)?\b\W*(?:\w+\W+){0,1}$", _I),
         context_score=0.96),
    # --- identity and immigration document numbers -----------------------------------
    # National Insurance: 2 letters, 6 digits, A-D suffix (suffix optional after "NI").
    Rule(ID_NUMBER, re.compile(
        r"\b[A-Z]{2}[\s-]?\d{2}[\s-]?\d{2}[\s-]?\d{2}[\s-]?[A-D]\b", _I), 0.9,
        validate=_nino_ok),
    Rule(ID_NUMBER, re.compile(r"\b[A-Z]{2}[\s-]?\d{2}[\s-]?\d{2}[\s-]?\d{2}\b", _I), 0.6,
         validate=_nino_ok),
    # BRP (2 letters + 7 digits), Home Office ref (letter + 7 digits, "/1"), GWF + 9 digits,
    # and other countries' passports (1-3 letters + 6-9 digits).
    Rule(ID_NUMBER, re.compile(r"\b[A-Z]{1,3}[\s-]?\d{6,9}(?:/\d{1,3})?\b", _I), 0.89,
         validate=_nino_ok),
    # Vehicle registrations (current GB format): AB12 CDE.
    Rule(ID_NUMBER, re.compile(r"\b[A-Z]{2}\d{2}\s?[A-Z]{3}\b", _I), 0.85),
    # Share codes (eVisa / right to work): 9 letters and digits, often in 3 groups.
    Rule(ID_NUMBER, re.compile(
        r"(?<![\w-])[A-Z0-9]{3}[\s-]?[A-Z0-9]{3}[\s-]?[A-Z0-9]{3}(?![\w-])", _I), 0.6,
        validate=_share_code_ok),
    # Anything with a reference cue before it and at least 4 digits in it.
    Rule(ID_NUMBER, re.compile(r"(?<![\w/-])[A-Z0-9][A-Z0-9/-]{3,24}(?![\w/-])", _I), 0.0,
         validate=lambda s: sum(map(str.isdigit, s)) >= 5 or (
             sum(map(str.isdigit, s)) >= 4 and any(c.isalpha() for c in s)),
         context=_ID_CONTEXT,
         context_score=0.9),
    # Spanish NIE / DNI and similar: optional letter, 7-8 digits, a check letter.
    Rule(ID_NUMBER, re.compile(r"\b[A-Z]?\d{7,8}[A-Z]\b", _I), 0.89),
    # Numbers grouped with dots, dashes or spaces (Brazilian CPF 123.456.789-09, ID cards).
    Rule(ID_NUMBER, re.compile(r"(?<![\w.])\d{2,5}(?:[.\-\s]\d{1,5}){2,5}(?![\w])"), 0.5,
         validate=lambda s: sum(map(str.isdigit, s)) >= 8 and not _plausible_date(s)
         and not _YEAR_RANGE.fullmatch(s)),
    # Safety net: 7+ digits in a row (passport numbers are 9) not claimed by a better rule.
    Rule(ID_NUMBER, re.compile(r"(?<![\w])\d(?:[\s/-]?\d){6,}(?![\w])"), 0.5,
         validate=lambda s: not _YEAR_RANGE.fullmatch(s)),
    # --- dates (full dates; day-month after a birth cue) ------------------------------
    Rule(DATE, re.compile(r"(?<![\w/.-])\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?![\w/.-])"),
         0.88, validate=_plausible_date),
    Rule(DATE, re.compile(r"(?<![\w/.-])\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}(?![\w/.-])"), 0.88,
         validate=_plausible_date),
    Rule(DATE, re.compile(
        r"\b\d{1,2}" + _ORD + r"\s*(?:of\s+)?" + _MONTH + r",?\s*(?:\d{4}|'\d{2}|\d{2})\b", _I),
        0.88),
    Rule(DATE, re.compile(
        r"\b" + _MONTH + r"\s+(?:the\s+)?\d{1,2}" + _ORD + r",?\s+(?:\d{4}|'\d{2})\b", _I), 0.88),
    Rule(DATE, re.compile(
        r"\b(?:\d{1,2}" + _ORD + r"\s*(?:of\s+)?" + _MONTH + r"|" + _MONTH + r"\s+\d{1,2}" + _ORD
        + r"|\d{1,2}[/.\-]\d{1,2}|\d{6,8}|(?:19|20)\d{2})\b", _I), 0.0,
        context=_DOB_CONTEXT, context_score=0.95),
    # --- IP addresses ------------------------------------------------------------------
    Rule(IP, re.compile(
        r"(?<![\w.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?![\w.])"),
        0.95),
    Rule(IP, re.compile(r"(?<![\w:])[0-9A-F]{0,4}(?::[0-9A-F]{0,4}){2,7}(?![\w:])", _I), 0.95,
         validate=_ipv6_ok),
    # --- emails written to dodge filters: "priya at gmail dot com" -------------------
    Rule(EMAIL, re.compile(
        r"\b[\w.+-]+\s*(?:@|\(at\)|\[at\]|\sat\s)\s*[\w-]+\s*(?:\.|\(dot\)|\[dot\]|\sdot\s)\s*"
        r"(?:com|co\.uk|co\s+dot\s+uk|org\.uk|org|net|uk|ac\.uk|edu|info|me|io)\b(?!\.\w)",
        _I), 0.9,
        validate=lambda s: "@" in s or re.search(r"gmail|yahoo|hotmail|outlook|icloud|live|aol"
                                                r"|proton|btinternet|sky|mail", s, _I) is not None),
)


class UkPatternRecognizer(EntityRecognizer):
    """Applies RULES; context rules only fire when their cue precedes the match."""

    def __init__(self) -> None:
        super().__init__(
            supported_entities=[PHONE, EMAIL, ADDRESS, POSTCODE, DATE, ID_NUMBER, CARD, IP],
            name="UkPatternRecognizer", supported_language="en")

    def load(self) -> None:  # patterns are compiled at import
        pass

    def analyze(self, text, entities, nlp_artifacts=None) -> List[RecognizerResult]:
        results: List[RecognizerResult] = []
        for rule in RULES:
            for m in rule.pattern.finditer(text):
                start, end = m.span(rule.group)
                fragment = text[start:end]
                if not fragment.strip() or (rule.validate and not rule.validate(fragment)):
                    continue
                score, entity = rule.score, rule.entity
                if rule.context is not None and rule.context.search(text[max(0, start - 40):start]):
                    score = rule.context_score or score
                    entity = rule.context_entity or entity
                if score <= 0:
                    continue
                results.append(RecognizerResult(entity, start, end, score))
        return results
