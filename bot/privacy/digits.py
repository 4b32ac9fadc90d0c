"""Native digits -> ASCII digits, one character for one, so offsets do not move.

People write numbers in their own digits: Arabic-Indic ٠-٩ (Arabic), Extended Arabic-Indic
۰-۹ (Urdu, Farsi), Bengali ০-৯, Gurmukhi ੦-੯, Devanagari ०-९, full-width ０-９. Every number
rule of the redactor runs on the ASCII form; placeholders are written into the original.
"""
from __future__ import annotations

_BLOCKS = ("٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "০১২৩৪৫৬৭৮৯", "੦੧੨੩੪੫੬੭੮੯", "०१२३४५६७८९",
           "０１２３４５６７８９")
_TABLE = {ord(ch): str(i) for block in _BLOCKS for i, ch in enumerate(block)}
# Separators people use inside numbers in these scripts: Arabic comma/decimal/thousands.
_TABLE.update({ord("\u066b"): ".", ord("\u066c"): ",", ord("\u060c"): ","})


def to_ascii(text: str) -> str:
    """The same text with every native digit (and Arabic number separator) in ASCII."""
    return text.translate(_TABLE)


def native_digit_forms(ascii_digits: str):
    """The digits written in each native block (for tests that search for leaks)."""
    for block in _BLOCKS:
        yield "".join(block[int(d)] if d.isdigit() else d for d in ascii_digits)
