"""ThemeRecorder: counts each conversation once per theme, once per (theme, outcome), and once
in the language table under its first detected language.

Called by the tracker store inside the Rasa process on every tracker save. It keeps no state
about conversations: what a conversation has already counted travels with the conversation's
own (expiring) tracker, so two Rasa instances sharing a conversation never count it twice.
count() only touches memory; increments are written by flush(), on a jittered timer and at
close(), so the database never changes at the moment a message arrives. Nothing here may raise
into the caller.
"""
from __future__ import annotations

import atexit
import logging
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

from . import store
from .vocabulary import CHANNEL_KINDS, THEME_RAISED, Vocabulary, load_vocabulary
from .weeks import iso_week, utc_now

logger = logging.getLogger("bot.themes")

Pair = Tuple[str, str]  # (theme, outcome); outcome THEME_RAISED for the theme itself


@dataclass
class _Session:
    """Scratch state while reading one session's events."""
    start: Optional[float] = None  # the session_started (or restart) event's timestamp
    themes: dict[str, None] = field(default_factory=dict)  # raised so far, in order
    pairs: Set[Pair] = field(default_factory=set)
    language: Optional[str] = None  # the first valid detected language, from message metadata

    def worth_keeping(self) -> bool:
        return bool(self.pairs or self.language)


def _log_failure(what: str, exc: BaseException) -> None:
    # The exception's type only: its message could quote a key or an event.
    logger.error("theme counting: %s failed (%s)", what, type(exc).__name__)


def _previous(counted: Any) -> Dict[Any, Tuple[Set[Pair], bool]]:
    """What an earlier count() returned, read defensively: session start -> (pairs, language counted)."""
    before: Dict[Any, Tuple[Set[Pair], bool]] = {}
    if isinstance(counted, dict) and isinstance(counted.get("sessions"), list):
        for entry in counted["sessions"]:
            if isinstance(entry, dict) and isinstance(entry.get("pairs"), list):
                pairs = {tuple(p) for p in entry["pairs"] if isinstance(p, (list, tuple)) and len(p) == 2}
                before[entry.get("start")] = (pairs, entry.get("language") is True)
    return before


class ThemeRecorder:
    def __init__(
        self,
        db_path: Path | str | None = None,
        flush_interval_seconds: float | None = 900,
        k: int = 5,
        *,
        vocabulary: Vocabulary | None = None,
        clock: Callable[[], datetime] = utc_now,
    ):
        self.db_path = Path(db_path) if db_path else store.default_db_path()
        self.k = k
        self.vocabulary = vocabulary or load_vocabulary()
        self._clock = clock
        self._lock = threading.Lock()  # guards _pending
        self._flush_lock = threading.Lock()  # one writer per process at a time
        self._pending: Counter[store.Key] = Counter()
        self._pending_languages: Counter[store.LanguageKey] = Counter()
        self._stop = threading.Event()
        self._closed = False
        self._timer: threading.Thread | None = None
        if flush_interval_seconds and flush_interval_seconds > 0:
            self._timer = threading.Thread(
                target=self._flush_periodically, args=(float(flush_interval_seconds),),
                name="theme-counts-flush", daemon=True,
            )
            self._timer.start()
        atexit.register(self.close)

    # -- called on every tracker save -------------------------------------------------------
    def count(self, channel_kind: str, events: list, counted: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Count what each session in `events` (Rasa event dicts) has earned and `counted` has
        not, and return the new `counted` for the caller to keep with the conversation.

        `counted` is what the previous call returned for this conversation (None at first). Each
        session (begun by `session_started` or `restart`) is a conversation of its own. The result
        holds only the sessions' start times, theme and outcome slugs, and whether the session's
        language was counted (a flag: the language itself is not kept)."""
        try:
            before = _previous(counted)
            sessions = []
            for convo in self._read(events if isinstance(events, list) else []):
                done_pairs, language_done = before.get(convo.start, (set(), False))
                self._add(channel_kind, convo.pairs - done_pairs)
                if convo.language and not language_done:
                    self._add_language(channel_kind, convo.language)
                sessions.append({"start": convo.start, "pairs": sorted(convo.pairs | done_pairs),
                                 "language": bool(convo.language or language_done)})
            return {"sessions": sessions}
        except Exception as exc:  # noqa: BLE001 - counting must never break a conversation
            _log_failure("count", exc)
            return counted if isinstance(counted, dict) else {}

    def _read(self, events: list) -> List[_Session]:
        """Each session in the events, with every pair it has earned and its language."""
        convo, sessions = _Session(), []
        for event in events:
            if not isinstance(event, dict):
                continue
            kind = event.get("event")
            if kind in ("session_started", "restart"):  # a new conversation under the same key
                if convo.worth_keeping():
                    sessions.append(convo)
                timestamp = event.get("timestamp")
                convo = _Session(start=timestamp if isinstance(timestamp, (int, float)) else None)
            elif kind == "user":
                self._read_user(convo, event)
            elif kind in ("action", "bot"):
                name = event.get("name") if kind == "action" else (event.get("metadata") or {}).get("utter_action")
                if not isinstance(name, str):
                    continue
                themes, outcomes = self.vocabulary.for_response(name)
                for theme in themes:
                    self._raise(convo, theme)
                for outcome in outcomes:
                    convo.pairs.update((theme, outcome) for theme in convo.themes)
        if convo.worth_keeping():
            sessions.append(convo)
        return sessions

    def _read_user(self, convo: _Session, event: dict) -> None:
        if convo.language is None:
            # The conversation's language is the FIRST valid one detected: it is known (and
            # counted) at once, never revised, and needs no end-of-conversation event, which
            # an expiring tracker never gives. Unknown strings are ignored, never stored.
            metadata = event.get("metadata")
            convo.language = self.vocabulary.language(metadata.get("language")) if isinstance(metadata, dict) else None
        intent = (event.get("parse_data") or {}).get("intent") or {}
        name, confidence = intent.get("name"), intent.get("confidence")
        if not isinstance(name, str):
            return
        if isinstance(confidence, (int, float)) and confidence < self.vocabulary.min_intent_confidence:
            return
        for theme in self.vocabulary.themes_for_intent(name):
            self._raise(convo, theme)

    @staticmethod
    def _raise(convo: _Session, theme: str) -> None:
        if theme not in convo.themes:
            convo.themes[theme] = None
            convo.pairs.add((theme, THEME_RAISED))

    def _add(self, channel_kind: str, pairs: Iterable[Pair]) -> None:
        if channel_kind not in CHANNEL_KINDS or self._closed:
            return
        week = iso_week(self._clock().date())
        with self._lock:
            for theme, outcome in pairs:
                self._pending[(week, channel_kind, theme, outcome)] += 1

    def _add_language(self, channel_kind: str, language: str) -> None:
        # Only conversations from our own channels, as for themes; the channel is not kept.
        if channel_kind not in CHANNEL_KINDS or self._closed:
            return
        week = iso_week(self._clock().date())
        with self._lock:
            self._pending_languages[(week, language)] += 1

    # -- writing ----------------------------------------------------------------------------
    def flush(self) -> bool:
        """Write pending increments in one transaction. False (and kept for later) on failure."""
        try:
            with self._flush_lock:
                with self._lock:
                    batch, self._pending = self._pending, Counter()
                    languages, self._pending_languages = self._pending_languages, Counter()
                try:
                    store.add_counts(self.db_path, dict(batch), self.vocabulary, dict(languages))
                except Exception:
                    with self._lock:
                        self._pending.update(batch)
                        self._pending_languages.update(languages)
                    raise
            return True
        except Exception as exc:  # noqa: BLE001
            _log_failure("flush", exc)
            return False

    def _flush_periodically(self, interval: float) -> None:
        jitter = random.SystemRandom()
        while not self._stop.wait(interval * jitter.uniform(0.5, 1.5)):
            self.flush()

    def pending_total(self) -> int:
        with self._lock:
            return sum(self._pending.values()) + sum(self._pending_languages.values())

    def close(self) -> None:
        try:
            if self._closed:
                return
            self._closed = True
            self._stop.set()
            if self._timer is not None and self._timer is not threading.current_thread():
                self._timer.join(timeout=5)
            if self.pending_total():
                self.flush()
            atexit.unregister(self.close)
        except Exception as exc:  # noqa: BLE001
            _log_failure("close", exc)
