"""ThemeRecorder: counts each conversation once per theme and once per (theme, outcome).

Called by the tracker store inside the Rasa process on every tracker save. observe() only
touches memory; increments are written by flush(), on a jittered timer and at close(), so the
database never changes at the moment a message arrives. Nothing here may raise into the caller.
"""
from __future__ import annotations

import atexit
import logging
import random
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from . import store
from .vocabulary import CHANNEL_KINDS, THEME_RAISED, Vocabulary, load_vocabulary
from .weeks import iso_week, utc_now

logger = logging.getLogger("bot.themes")


@dataclass
class _Conversation:
    """In-memory only; keyed by the pseudonym, which is never written anywhere."""
    themes: dict[str, None] = field(default_factory=dict)  # raised so far, in order
    counted: set[tuple[str, str]] = field(default_factory=set)  # (theme, outcome) already counted
    last_timestamp: float | None = None
    last_seen: float = 0.0


def _log_failure(what: str, exc: BaseException) -> None:
    # The exception's type only: its message could quote a key or an event.
    logger.error("theme counting: %s failed (%s)", what, type(exc).__name__)


class ThemeRecorder:
    def __init__(
        self,
        db_path: Path | str | None = None,
        flush_interval_seconds: float | None = 900,
        k: int = 5,
        *,
        vocabulary: Vocabulary | None = None,
        clock: Callable[[], datetime] = utc_now,
        max_conversations: int = 50_000,
        idle_forget_seconds: float = 6 * 3600,
    ):
        self.db_path = Path(db_path) if db_path else store.default_db_path()
        self.k = k
        self.vocabulary = vocabulary or load_vocabulary()
        self._clock = clock
        self._max_conversations = max_conversations
        self._idle_forget_seconds = idle_forget_seconds
        self._lock = threading.Lock()  # guards _pending and _conversations
        self._flush_lock = threading.Lock()  # one writer per process at a time
        self._pending: Counter[store.Key] = Counter()
        self._conversations: OrderedDict[str, _Conversation] = OrderedDict()
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
    def observe(self, conversation_key: str, channel_kind: str, events: list[dict]) -> None:
        try:
            if channel_kind not in CHANNEL_KINDS or not events or self._closed:
                return
            week = iso_week(self._clock().date())
            with self._lock:
                convo = self._conversations.get(conversation_key)
                if convo is None:
                    convo = self._conversations[conversation_key] = _Conversation()
                    while len(self._conversations) > self._max_conversations:
                        self._conversations.popitem(last=False)
                else:
                    self._conversations.move_to_end(conversation_key)
                convo.last_seen = time.monotonic()
                for event in events:
                    if isinstance(event, dict):
                        self._apply(convo, event, week, channel_kind)
        except Exception as exc:  # noqa: BLE001 - counting must never break a conversation
            _log_failure("observe", exc)

    # -- stateless counting, for trackers shared between processes (Redis scale-out) ----------
    def pairs_in(self, events: list[dict]) -> set[tuple[str, str]]:
        """Every (theme, outcome) the current session of these events has earned, THEME_RAISED
        included. Pure: the caller keeps what was already counted with the conversation itself,
        so that two Rasa instances sharing a conversation never count it twice."""
        sink: Counter = Counter()
        convo = _Conversation()
        for event in events:
            if isinstance(event, dict):
                self._apply(convo, event, "", "", sink)
        return {(theme, outcome) for (_, _, theme, outcome) in sink}

    def add(self, channel_kind: str, pairs) -> None:
        """Count these (theme, outcome) pairs once for the current week."""
        try:
            if channel_kind not in CHANNEL_KINDS or self._closed:
                return
            week = iso_week(self._clock().date())
            with self._lock:
                for theme, outcome in pairs:
                    self._pending[(week, channel_kind, theme, outcome)] += 1
        except Exception as exc:  # noqa: BLE001
            _log_failure("add", exc)

    def _apply(self, convo: _Conversation, event: dict, week: str, channel: str, sink: Counter | None = None) -> None:
        sink = self._pending if sink is None else sink
        # The tracker store may pass the whole tracker each time: skip what was already seen.
        timestamp = event.get("timestamp")
        if isinstance(timestamp, (int, float)):
            if convo.last_timestamp is not None and timestamp < convo.last_timestamp:
                return
            convo.last_timestamp = timestamp
        kind = event.get("event")
        if kind in ("session_started", "restart"):  # a new conversation under the same key
            convo.themes.clear()
            convo.counted.clear()
        elif kind == "user":
            intent = (event.get("parse_data") or {}).get("intent") or {}
            name, confidence = intent.get("name"), intent.get("confidence")
            if not isinstance(name, str):
                return
            if isinstance(confidence, (int, float)) and confidence < self.vocabulary.min_intent_confidence:
                return
            for theme in self.vocabulary.themes_for_intent(name):
                self._raise(convo, theme, week, channel, sink)
        elif kind in ("action", "bot"):
            name = event.get("name") if kind == "action" else (event.get("metadata") or {}).get("utter_action")
            if not isinstance(name, str):
                return
            themes, outcomes = self.vocabulary.for_response(name)
            for theme in themes:
                self._raise(convo, theme, week, channel, sink)
            for outcome in outcomes:
                for theme in convo.themes:
                    if (theme, outcome) not in convo.counted:
                        convo.counted.add((theme, outcome))
                        sink[(week, channel, theme, outcome)] += 1

    def _raise(self, convo: _Conversation, theme: str, week: str, channel: str, sink: Counter) -> None:
        if theme not in convo.themes:
            convo.themes[theme] = None
            sink[(week, channel, theme, THEME_RAISED)] += 1

    def forget(self, conversation_key: str) -> None:
        try:
            with self._lock:
                self._conversations.pop(conversation_key, None)
        except Exception as exc:  # noqa: BLE001
            _log_failure("forget", exc)

    # -- writing ----------------------------------------------------------------------------
    def flush(self) -> bool:
        """Write pending increments in one transaction. False (and kept for later) on failure."""
        try:
            with self._flush_lock:
                with self._lock:
                    batch, self._pending = self._pending, Counter()
                    self._forget_idle()
                try:
                    store.add_counts(self.db_path, dict(batch), self.vocabulary)
                except Exception:
                    with self._lock:
                        self._pending.update(batch)
                    raise
            return True
        except Exception as exc:  # noqa: BLE001
            _log_failure("flush", exc)
            return False

    def _forget_idle(self) -> None:
        cutoff = time.monotonic() - self._idle_forget_seconds
        while self._conversations:
            key, convo = next(iter(self._conversations.items()))
            if convo.last_seen >= cutoff:
                break
            del self._conversations[key]

    def _flush_periodically(self, interval: float) -> None:
        jitter = random.SystemRandom()
        while not self._stop.wait(interval * jitter.uniform(0.5, 1.5)):
            self.flush()

    def pending_total(self) -> int:
        with self._lock:
            return sum(self._pending.values())

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
            with self._lock:
                self._conversations.clear()
            atexit.unregister(self.close)
        except Exception as exc:  # noqa: BLE001
            _log_failure("close", exc)
