"""The redacting, expiring tracker store (registered in endpoints.yml).

* Every event is sanitised before it is kept: user text, parse data, entity and slot values are
  redacted again (a second line behind the channel), request metadata is dropped, bot text that is
  not one of our own responses is redacted. Only then is anything serialised.
* Conversations expire after `idle_expiry_seconds` without a message: in memory by a sweep, in
  Redis by the key's expiry (`record_exp`). Expired conversations are gone, not archived.
* A conversation whose latest user message has the `forget_me` intent is deleted instead of
  saved, on every save of that turn: Rasa's processor saves the tracker again at the end of the
  turn, and that save must not bring it back.
* Theme counts (bot.themes) are fed from the sanitised events; they keep no text and no ids.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SerializedTrackerAsText, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, get_trackers_for_conversation_sessions

from bot.privacy import memo
from bot.safety import FORGET_INTENT
from bot.settings import settings

logger = logging.getLogger(__name__)

# Which (theme, outcome) pairs this conversation session has already added to the counts.
THEMES_FIELD = "safe_report_themes"
# Slots whose values identify nobody and are needed as they are.
KEPT_SLOTS = {"nation", "session_started_metadata"}
KEPT_ENTITIES = {"nation"}


def _redact(text: Any) -> Any:
    if not isinstance(text, str) or not text or text.startswith("/") or memo.is_clean(text):
        return text
    from bot.privacy import redact

    clean = redact(text)
    memo.mark_clean(clean)
    return clean


class EventSanitiser:
    def __init__(self, domain: Domain) -> None:
        # Our actions compose answers from a finite set of directory lines, so the same bot
        # texts come back again and again: redact each once per process (bounded, memory only).
        self._bot_cache: "OrderedDict[bytes, str]" = OrderedDict()
        self._bot_lock = threading.Lock()
        self.bot_texts = set()
        for variations in (domain.responses or {}).values():
            for v in variations:
                if v.get("text"):
                    self.bot_texts.add(v["text"])

    def event(self, e: Dict[str, Any]) -> Dict[str, Any]:
        kind = e.get("event")
        e = dict(e)
        if kind == "user":
            e["text"] = _redact(e.get("text"))
            parse = dict(e.get("parse_data") or {})
            parse["text"] = e["text"]
            parse.pop("metadata", None)
            parse["entities"] = [self._entity(x) for x in parse.get("entities") or []]
            e["parse_data"] = parse
            e["metadata"] = {}
        elif kind == "bot":
            if e.get("text") not in self.bot_texts:
                e["text"] = self._bot_text(e.get("text"))
            e["metadata"] = {k: v for k, v in (e.get("metadata") or {}).items() if k == "utter_action"}
        elif kind == "slot":
            if e.get("name") not in KEPT_SLOTS and e.get("value") is not None:
                e["value"] = _redact(json.dumps(e["value"]) if not isinstance(e["value"], str) else e["value"])
            if e.get("name") == "session_started_metadata":
                e["value"] = None
        elif kind == "entities":
            e["entities"] = [self._entity(x) for x in e.get("entities") or []]
        if kind != "bot" and "metadata" in e:
            e["metadata"] = {}
        return e

    def _bot_text(self, text: Any) -> Any:
        if not isinstance(text, str) or not text:
            return text
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        with self._bot_lock:
            clean = self._bot_cache.get(key)
        if clean is None:
            clean = _redact(text)
            with self._bot_lock:
                self._bot_cache[key] = clean
                if len(self._bot_cache) > 5000:
                    self._bot_cache.popitem(last=False)
        return clean

    @staticmethod
    def _entity(ent: Dict[str, Any]) -> Dict[str, Any]:
        ent = dict(ent)
        if ent.get("entity") not in KEPT_ENTITIES:
            ent["value"] = _redact(str(ent.get("value", "")))
        return ent


def _is_erased(events: List[Dict[str, Any]]) -> bool:
    """True if the person's latest message asked to forget the conversation. Rasa may restart
    and open a new session after it within the same turn, so look at the last user event."""
    for e in reversed(events):
        if e.get("event") == "user":
            return ((e.get("parse_data") or {}).get("intent") or {}).get("name") == FORGET_INTENT
    return False


class _MemoryBackend:
    def __init__(self, idle_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle = idle_seconds
        self._clock = clock  # injectable, so tests need not sleep
        self._data: Dict[str, "tuple[str, float]"] = {}
        self._lock = threading.Lock()
        # Expired conversations go even when nobody writes: a sweep at least once a minute.
        threading.Thread(target=self._sweep_forever, name="tracker-expiry", daemon=True).start()

    def _sweep_forever(self) -> None:
        while True:
            time.sleep(max(0.5, min(60.0, self.idle / 2)))
            self.sweep()

    def get(self, key: str) -> Optional[str]:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            if self._clock() - item[1] >= self.idle:
                del self._data[key]
                return None
            return item[0]

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self._data[key] = (value, self._clock())

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def keys(self) -> List[str]:
        self.sweep()
        with self._lock:
            return list(self._data)

    def sweep(self) -> None:
        now = self._clock()
        with self._lock:
            for k in [k for k, (_, t) in self._data.items() if now - t >= self.idle]:
                del self._data[k]


class _RedisBackend:
    """Redis with no persistence (see docs/deployment.md); each key expires when idle."""

    def __init__(self, url: str, idle_seconds: float, key_prefix: str) -> None:
        import redis

        self.red = redis.Redis.from_url(url, decode_responses=True, socket_timeout=5)
        self.idle = idle_seconds
        self.prefix = key_prefix + ":tracker:"

    def get(self, key: str) -> Optional[str]:
        return self.red.get(self.prefix + key)

    def set(self, key: str, value: str) -> None:
        self.red.set(self.prefix + key, value, ex=max(1, int(self.idle)))  # record_exp

    def delete(self, key: str) -> None:
        self.red.delete(self.prefix + key)

    def keys(self) -> List[str]:
        return [k[len(self.prefix):] for k in self.red.scan_iter(self.prefix + "*")]


class RedactingTrackerStore(TrackerStore, SerializedTrackerAsText):
    def __init__(
        self,
        domain: Optional[Domain] = None,
        event_broker: Optional[EventBroker] = None,
        idle_expiry_seconds: Optional[float] = None,
        redis_url: Optional[str] = None,
        key_prefix: str = "safereport",
        themes: bool = True,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, event_broker, **kwargs)
        idle = float(idle_expiry_seconds or settings().idle_seconds)
        redis_url = redis_url or settings().redis_url
        self.backend = _RedisBackend(redis_url, idle, key_prefix) if redis_url else _MemoryBackend(idle, clock)
        self._sanitiser: Optional[EventSanitiser] = None
        self.themes = _theme_recorder() if themes else None
        self._last_sweep = time.monotonic()
        self._erased: Dict[str, float] = {}  # pseudonyms erased in the last minutes, memory only

    @property
    def domain(self) -> Domain:
        return self._domain

    @domain.setter
    def domain(self, domain: Optional[Domain]) -> None:
        self._domain = domain or Domain.empty()
        self._sanitiser = None

    @property
    def sanitiser(self) -> EventSanitiser:
        if self._sanitiser is None:
            self._sanitiser = EventSanitiser(self.domain)
        return self._sanitiser

    def sanitised_dialogue(self, tracker: DialogueStateTracker) -> Dict[str, Any]:
        dialogue = tracker.as_dialogue().as_dict()
        dialogue["events"] = [self.sanitiser.event(e) for e in dialogue.get("events") or []]
        return dialogue

    async def save(self, tracker: DialogueStateTracker) -> None:
        # Redaction is CPU work: keep it off the event loop.
        dialogue = await asyncio.to_thread(self.sanitised_dialogue, tracker)
        events = dialogue["events"]
        key = tracker.sender_id
        languages = _user_languages(tracker)
        if _is_erased(events):
            # Count the erased conversation once, not again on the later saves of the same turn.
            if key not in self._erased:
                await asyncio.to_thread(self._count_themes, key, dialogue, languages)
            self._erased[key] = time.monotonic()
            await self.delete(key)
            return
        await asyncio.to_thread(self._count_themes, key, dialogue, languages)
        await asyncio.to_thread(self.backend.set, key, json.dumps(dialogue))
        self._maybe_sweep()

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._retrieve(sender_id, fetch_all_sessions=False)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        return await self._retrieve(conversation_id, fetch_all_sessions=True)

    async def _retrieve(self, sender_id: Text, fetch_all_sessions: bool) -> Optional[DialogueStateTracker]:
        stored = await asyncio.to_thread(self.backend.get, sender_id)
        if stored is None:
            return None
        tracker = self.deserialise_tracker(sender_id, stored)
        if tracker is None or fetch_all_sessions:
            return tracker
        sessions = get_trackers_for_conversation_sessions(tracker)
        return tracker if len(sessions) <= 1 else sessions[-1]

    async def keys(self) -> Iterable[Text]:
        return await asyncio.to_thread(self.backend.keys)

    async def delete(self, sender_id: Text) -> None:
        """Remove a conversation now (erasure)."""
        await asyncio.to_thread(self.backend.delete, sender_id)

    def _count_themes(self, key: str, dialogue: Dict[str, Any], languages: List[Any]) -> None:
        """Count each (theme, outcome) and the language once per conversation, even when several
        Rasa instances share the conversation: what was counted travels with the (expiring)
        tracker itself."""
        if self.themes is None:
            return
        try:
            events = _with_languages(dialogue["events"], languages)
            stored = self.backend.get(key)
            previous = json.loads(stored).get(THEMES_FIELD) if stored else None
            channel = next((e.get("input_channel") for e in reversed(events) if e.get("event") == "user"), None)
            dialogue[THEMES_FIELD] = self.themes.count(channel or "unknown", events, previous)
        except Exception as exc:  # counting themes must never break a conversation
            logger.error("Theme counting failed (%s)", type(exc).__name__)

    def _maybe_sweep(self) -> None:
        # Expired trackers are swept by the memory backend's own thread (Redis expires keys
        # itself); here only the short-lived erasure markers are pruned.
        now = time.monotonic()
        if now - self._last_sweep < 30:
            return
        self._last_sweep = now
        self._erased = {k: t for k, t in self._erased.items() if now - t < 120}


def _user_languages(tracker: DialogueStateTracker) -> List[Any]:
    """The language each user message arrived with (UserMessage.metadata["language"], set by the
    channel's detector), in order. Only for counting: the stored events keep no metadata."""
    return [e.metadata.get("language") if isinstance(e.metadata, dict) else None
            for e in tracker.events if isinstance(e, UserUttered)]


def _with_languages(events: List[Dict[str, Any]], languages: List[Any]) -> List[Dict[str, Any]]:
    """Copies of the sanitised events for the theme counter, each user event carrying its
    detected language again. These copies are never stored; the recorder validates the code."""
    found = iter(languages)
    out = []
    for e in events:
        if e.get("event") == "user":
            language = next(found, None)
            e = {**e, "metadata": {"language": language}} if language is not None else e
        out.append(e)
    return out


def _theme_recorder():
    try:
        from bot.settings import settings
        from bot.themes import ThemeRecorder

        return ThemeRecorder(flush_interval_seconds=settings().themes_flush_seconds)
    except Exception as exc:
        logger.error("Theme counts are off (%s)", type(exc).__name__)
        return None
