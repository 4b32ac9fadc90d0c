"""Keep message text, sender ids, phone numbers and addresses out of every log record.

Rasa logs user text at DEBUG (and structlog events carry it), Sanic's access log records client
addresses, and exceptions can carry request bodies in their messages. Handlers are reconfigured
by Rasa, coloredlogs and Sanic at start-up, so we act where no reconfiguration can undo it: the
LogRecord factory. Every record is scrubbed as it is created, at every level:

* values registered for the current request (`sensitive(...)`: the raw and redacted message, the
  raw sender and its pseudonym) are removed in plain, JSON-escaped and URL-encoded form;
* phone numbers, emails, IP addresses and long digit runs are masked as a second line;
* exceptions keep their type and stack frames (code, not data) but lose their message;
* Sanic's access log is dropped entirely (it exists to record client addresses).
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import warnings
import re
import traceback
import urllib.parse
from typing import Iterable, Iterator, Tuple

_SENSITIVE: contextvars.ContextVar[Tuple[str, ...]] = contextvars.ContextVar(
    "safe_report_sensitive", default=()
)

MASK = "[withheld]"
_PATTERNS = [
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # email
    re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"),  # IPv4
    re.compile(r"(?i)(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])"),  # IPv6-ish
    re.compile(r"(?<!\w)(?:\+|00)?\d[\d\s().-]{8,}\d(?!\w)"),  # phone / card / account numbers
]


def _variants(value: str) -> Iterator[str]:
    yield value
    escaped = json.dumps(value)[1:-1]
    if escaped != value:
        yield escaped
    ascii_escaped = json.dumps(value, ensure_ascii=True)[1:-1]
    if ascii_escaped != value:
        yield ascii_escaped
    quoted = urllib.parse.quote(value, errors="surrogatepass")
    if quoted != value:
        yield quoted
        yield urllib.parse.quote_plus(value, errors="surrogatepass")
    yield repr(value)[1:-1]


@contextlib.contextmanager
def sensitive(*values: str) -> Iterator[None]:
    """Mark values as never-to-be-logged for the rest of this request (task and its threads)."""
    found = [v for v in values if isinstance(v, str) and len(v.strip()) >= 3]
    expanded = set(_SENSITIVE.get())
    for value in found:
        expanded.update(v for v in _variants(value) if len(v) >= 3)
        # Also each longer word of a message, so a partial quote cannot slip through.
        expanded.update(w for w in re.findall(r"\w{5,}", value) if not w.isascii() or not w.islower() or len(w) > 7)
    token = _SENSITIVE.set(tuple(sorted(expanded, key=len, reverse=True)))
    try:
        yield
    finally:
        _SENSITIVE.reset(token)


def register_sensitive(values: Iterable[str]) -> None:
    """Like `sensitive` but for the remainder of the current context (no reset)."""
    current = set(_SENSITIVE.get())
    for value in values:
        if isinstance(value, str) and len(value) >= 3:
            current.update(v for v in _variants(value) if len(v) >= 3)
    _SENSITIVE.set(tuple(sorted(current, key=len, reverse=True)))


def scrub(text: str) -> str:
    if not text:
        return text
    for value in _SENSITIVE.get():
        if value in text:
            text = text.replace(value, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    return text


def _describe_exception(exc_info) -> str:
    etype, _value, tb = exc_info
    frames = "".join(traceback.format_tb(tb)) if tb else ""
    name = getattr(etype, "__name__", "Exception")
    return f"Traceback (most recent call last):\n{frames}{name}: (message withheld)"


def _install_factory() -> None:
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_safe_report", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not leak its arguments either
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = scrub(_describe_exception(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return record

    factory._safe_report = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


def install() -> None:
    """Install the scrubbing factory and silence loggers that exist to record people."""
    _install_factory()
    access = logging.getLogger("sanic.access")
    if not any(isinstance(f, DropAll) for f in access.filters):
        access.addFilter(DropAll())
    # Python warnings are routed through logging so they are scrubbed too.
    logging.captureWarnings(True)
    _drop_deprecation_notices()


def _drop_deprecation_notices() -> None:
    """Libraries' deprecation notices (TensorFlow, Keras, SQLAlchemy, pkg_resources) fill the
    start-up log with nothing an operator can act on, and hide what they can. PYTHONWARNINGS
    cannot stop them: a library puts its own 'once' filter first. Drop them by category."""
    to_logging = warnings.showwarning
    if getattr(to_logging, "_safe_report", False):
        return

    def showwarning(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)):
            return
        to_logging(message, category, filename, lineno, file, line)

    showwarning._safe_report = True  # type: ignore[attr-defined]
    warnings.showwarning = showwarning
