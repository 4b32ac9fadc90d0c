"""Short SMS answers: the core point and the most relevant service first, the rest behind MORE.

A long SMS reply lands as many texts on a phone that may be watched, each one paid for. So the
SMS channel sends one page of at most PAGE_SEGMENTS segments (GSM-7: 153 characters a segment
in a multi-part text; UCS-2, needed by every non-Latin script and by diacritics such as ą or ș:
67), and keeps the rest, beside the conversation's pseudonym with its expiry, until the person
replies MORE (or its word in their language: data/safety/<code>.yml). The first page holds the
answer's opening sentences and its first service with a phone number or web address. A danger
answer (999, the Silent Solution, a 24/7 helpline) is never cut: its first message always goes
whole in the first page. Diacritics are never stripped to save segments.
"""
from __future__ import annotations

import math
import re
from typing import List, Sequence, Tuple

PAGE_SEGMENTS = 3  # the usual page
SERVICE_PAGE_SEGMENTS = 4  # a first page may stretch this far to carry its first service
MAX_SEGMENTS = 8  # never more in one reply

# GSM 03.38: the basic set (1 septet) and the extension table (2 septets: escape + char).
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
_GSM_EXTENDED = set("^{}\\[~]|€\f")
_SENTENCE_END = re.compile(r"(?<=[.!?\u06d4\u061f\u0964])\s+|\n+")
# A service a person can reach: a UK phone number (0..., 116 123, Relay UK 18000) or a web address.
# Not a year or a count ("2018", "27 of 45").
_SERVICE = re.compile(r"(?<!\d)(?:0\d{2,4}(?: ?\d{2,4}){1,3}|116 \d{3}|18000)(?!\d)"
                      r"|\b[\w-]+\.(?:uk|org|com|scot|wales|cymru|net|info)\b")


def is_gsm7(text: str) -> bool:
    return all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text)


def units(text: str) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2): what a carrier counts."""
    if is_gsm7(text):
        return sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """How many SMS segments one message of `text` is sent as."""
    if not text:
        return 0
    single, multi = (160, 153) if is_gsm7(text) else (70, 67)
    n = units(text)
    return 1 if n <= single else math.ceil(n / multi)


def reply_segments(texts: Sequence[str]) -> int:
    return sum(segments(t) for t in texts)


def pieces(text: str) -> List[str]:
    """A message cut at sentence ends and line breaks (a services list is one service a line).
    A piece that began a line starts with "\n", so joining the pieces keeps the layout."""
    found, start = [], 0
    for match in list(_SENTENCE_END.finditer(text)) + [None]:
        end = match.start() if match else len(text)
        piece = text[start:end].strip()
        if piece:
            newline = start > 0 and "\n" in text[max(0, start - 3):start]
            found.append(("\n" if newline or not found else "") + piece)
        start = match.end() if match else end
    return found


def join(parts: Sequence[str]) -> str:
    """Pieces back into one text: a new line where one began, a space elsewhere."""
    out = ""
    for part in parts:
        if part.startswith("\n"):
            out += ("\n" if out else "") + part[1:]
        else:
            out += (" " if out else "") + part
    return out


def _fits(parts: Sequence[str], limit: int) -> bool:
    return segments(join(parts)) <= limit


def _take(queue: List[str], page: List[str], limit: int, hint: str) -> None:
    """Move pieces from the queue's front into the page while it stays within `limit`, with
    room for the hint if more will follow."""
    while queue and _fits(page + [queue[0]] + ([hint] if len(queue) > 1 else []), limit):
        page.append(queue.pop(0))
    while len(page) > 1 and queue and page[-1].endswith(":"):  # a heading goes with what it heads
        queue.insert(0, page.pop())
    if not page and queue:  # one piece longer than a page: cut it at a space
        words, head = queue.pop(0).split(" "), []
        while words and (not head or _fits([" ".join(head + [words[0]]), hint], limit)):
            head.append(words.pop(0))
        page.append(" ".join(head))
        if words:
            queue.insert(0, " ".join(words))


def _first_service(queue: List[str], page: List[str], hint: str) -> None:
    """Bring the first piece that names a service (a number or web address) into the page,
    making room for it by leaving the page's later sentences for MORE (the first one stays)."""
    if any(_SERVICE.search(p) for p in page):
        return
    index = next((i for i, piece in enumerate(queue) if _SERVICE.search(piece)), None)
    if index is None:
        return
    service, moved = queue[index], []
    while len(page) > 1 and not _fits(page + [service, hint], PAGE_SEGMENTS):
        moved.insert(0, page.pop())
    if _fits(page + [service, hint], SERVICE_PAGE_SEGMENTS):
        del queue[index]
        page.append(service)
        queue[0:0] = moved
    else:
        page.extend(moved)


def paginate(texts: Sequence[str], hint: str, danger: bool = False) -> Tuple[str, List[str]]:
    """(the first page, the later pages) of one reply; every page but the last ends with `hint`."""
    queue = [p for t in texts for p in pieces(t)]
    page: List[str] = []
    if danger and texts:  # the emergency answer goes whole, first
        page = pieces(texts[0])
        queue = queue[len(page):]
    else:
        _take(queue, page, PAGE_SEGMENTS, hint)
        _first_service(queue, page, hint)
    pages = [page]
    while queue:
        page = []
        _take(queue, page, PAGE_SEGMENTS, hint)
        pages.append(page)
    bodies = [join(p) for p in pages]
    for i in range(len(bodies) - 1):
        with_hint = bodies[i] + "\n" + hint
        if segments(with_hint) <= MAX_SEGMENTS:
            bodies[i] = with_hint
    return bodies[0], bodies[1:]
