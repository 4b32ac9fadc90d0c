"""Latin letters without their marks: "tôi bị đánh" -> "toi bi danh", "mój mąż" -> "moj maz".

Many people type Vietnamese, Polish, Romanian, Portuguese, Spanish or Albanian without
diacritics (a phone without the keyboard, or habit). Only marks on Latin letters are removed:
in Bengali, Gurmukhi, Arabic or Urdu script the combining signs are vowels and part of the word.
"""
from __future__ import annotations

import unicodedata

# Latin letters whose mark is not a separate combining character in NFD.
_LETTERS = str.maketrans({"đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ħ": "h", "ı": "i"})


def _latin(ch: str) -> bool:
    code = ord(ch)
    return code < 0x250 or 0x1E00 <= code <= 0x1EFF


def fold_latin(text: str) -> str:
    out, base = [], ""
    for ch in unicodedata.normalize("NFD", text.translate(_LETTERS)):
        if unicodedata.combining(ch):
            if base and _latin(base):
                continue
        else:
            base = ch
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))
