"""Keep numbers and web addresses readable inside right-to-left text.

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
_LTR_RUN = re.compile(rf"(?<![\w@.-]){WEB_ADDRESS}|{_NUMBER}")


def isolate(text: str) -> str:
    """The text with every number and web address wrapped in FSI ... PDI."""
    text = _EXISTING_ISOLATES.sub("", text)
    return _LTR_RUN.sub(lambda m: f"{FSI}{m.group(0)}{PDI}", text)
