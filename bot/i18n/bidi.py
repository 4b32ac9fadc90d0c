"""Keep numbers, web addresses and English names readable inside right-to-left text.

In Arabic or Urdu text the Unicode bidirectional algorithm can show "0808 2000 247" as
"247 2000 0808" and scramble an address next to a full stop. Wrapping each one in FIRST STRONG
ISOLATE ... POP DIRECTIONAL ISOLATE (U+2068 ... U+2069) lays it out on its own, left to right,
whatever surrounds it. The catalog applies this when it loads a right-to-left translation, so
translators never type invisible characters (and any they did type are normalised away).
"""
from __future__ import annotations

import re

from bot.i18n.protected import WEB_ADDRESS

FSI = "\u2068"
PDI = "\u2069"
# Every explicit directional isolate (LRI, RLI, FSI, PDI): removed first, so isolating twice
# gives the same text.
_EXISTING_ISOLATES = re.compile("[\u2066-\u2069]")
# A number with what holds it together: "0808 2000 247", "24/7", "9:00-17:00", "+44 20 ...".
_NUMBER = r"\+?\d+(?:[ ./:\-\u2013]\d+)*"
# A run of Latin-script words, numbers and addresses: a service's English name, its hours
# ("Mon-Fri 9am-5pm"), "Home Office". Laid out on its own, it keeps its order inside Urdu or
# Arabic; its trailing full stop or comma stays outside, in the sentence's direction.
_TOKEN = r"[A-Za-z0-9+][A-Za-z0-9'\u2019&./:@\-\u2013+]*"
_LATIN_RUN = rf"{_TOKEN}(?:[ ,]+{_TOKEN})*"
_LTR_RUN = re.compile(rf"(?<![\w@.-]){WEB_ADDRESS}|{_LATIN_RUN}|{_NUMBER}")
_TRAILING = re.compile(r"[.,:'\u2019\-]+$")


def _wrap(match: "re.Match[str]") -> str:
    run = match.group(0)
    tail = _TRAILING.search(run)
    core, rest = (run[: tail.start()], run[tail.start():]) if tail and tail.start() > 0 else (run, "")
    return f"{FSI}{core}{PDI}{rest}"


def isolate(text: str) -> str:
    """The text with every run of numbers, web addresses and Latin-script words wrapped in
    FSI ... PDI."""
    text = _EXISTING_ISOLATES.sub("", text)
    return _LTR_RUN.sub(_wrap, text)
