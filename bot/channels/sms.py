"""The SMS channel: Twilio's messaging webhook, behind our privacy layer.

POST /webhooks/twilio/webhook   Twilio's form fields (From, Body, MessageSid, NumMedia, ...), signed
  -> 200 TwiML <Response><Message>...</Message>...</Response>   (application/xml)
  -> 403 with no body if the X-Twilio-Signature header is missing or wrong.

* Every request is authenticated with the twilio SDK's RequestValidator against the public URL
  Twilio called: SAFE_REPORT_PUBLIC_URL + path (+ query). Never the Host header, which a proxy
  rewrites and anyone can forge. The auth token comes only from TWILIO_AUTH_TOKEN; without it (or
  without the public URL) every request is refused.
* The answer goes back as TwiML in the HTTP response: we never call Twilio's REST API, so this
  server never sends anything to a phone number.
* A MessageSid already seen (a replay) is answered with an empty <Response/> and not processed.
  Only a keyed hash of the sid is kept, in memory or in Redis (shared by all instances), with a TTL.
* Nothing from a request (number, text, sid, signature) and never the token reaches a log.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import threading
import time
import urllib.parse
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, Optional, Sequence

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot import safety
from bot.channels import languages as choice
from bot.channels import sms_pages
from bot.channels.base import OnNewMessage, SafeInputChannel, Turn, fixed
from bot.log_privacy import sensitive
from bot.settings import settings as app_settings

logger = logging.getLogger(__name__)

SMS_PART_CHARS = 1600  # one <Message> (a page of sms_pages is far shorter; this only guards the limit)
SMS_MAX_BODY_CHARS = 1600  # Twilio's own limit for a message body
MAX_FORM_BYTES = 64 * 1024  # a real Twilio webhook is a few KB
MAX_FORM_FIELDS = 200
REPLAY_TTL_SECONDS = 3600
REPLAY_MAX_ENTRIES = 100_000
MORE_STATE = "sms_more"  # the pages of the last answer not sent yet (JSON list), kept for MORE
XML = "application/xml; charset=utf-8"

_INVALID_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+|\n\s*")
_SPACE = re.compile(r"\s+")


# --- Splitting and rendering -------------------------------------------------------------------

def split_for_sms(text: str, limit: int = SMS_PART_CHARS) -> List[str]:
    """Split text into parts of at most `limit` characters, at sentence ends if possible, else at
    spaces, else (a single word longer than a part) anywhere. Only whitespace at the cut is lost."""
    text = (text or "").strip()
    parts: List[str] = []
    while len(text) > limit:
        window = text[: limit + 1]  # a break right after the last allowed character still counts
        cut = _last_break(_SENTENCE_END, window, minimum=limit // 3) or _last_break(_SPACE, window, minimum=1)
        if not cut:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def _last_break(pattern: "re.Pattern[str]", window: str, minimum: int) -> int:
    """End of the text before the last break in the window (0 if none after `minimum`)."""
    ends = [m.start() for m in pattern.finditer(window) if m.start() >= minimum]
    return ends[-1] if ends else 0


def sms_text(message: Mapping[str, Any]) -> str:
    """The text of one bot message as SMS: no buttons in SMS, so they become 'Reply with: ...'."""
    text = str(message.get("text") or "").strip()
    titles = [str(b.get("title")).strip() for b in message.get("buttons") or []
              if isinstance(b, Mapping) and str(b.get("title") or "").strip()]
    if titles:
        text = (text + "\n" if text else "") + "Reply with: " + " / ".join(titles)
    return _INVALID_XML_CHARS.sub("", text)


def twiml(messages: Sequence[Mapping[str, Any]]) -> str:
    """One <Message> per bot message, each split into parts of at most SMS_PART_CHARS."""
    reply = MessagingResponse()
    for message in messages:
        for part in split_for_sms(sms_text(message)):
            reply.message(part)
    return reply.to_xml()


# --- Authentication ----------------------------------------------------------------------------

class SignatureCheck:
    """X-Twilio-Signature against the public URL Twilio called. Refuses everything if unconfigured."""

    def __init__(self, token: Optional[str], public_url: Optional[str]) -> None:
        self.public_url = _normalise_base(public_url)
        self.validator = RequestValidator(token) if token else None
        self.problems = []
        if not token:
            self.problems.append("TWILIO_AUTH_TOKEN is not set")
        if not self.public_url:
            self.problems.append("SAFE_REPORT_PUBLIC_URL is not set to an http(s) base URL")

    @property
    def ready(self) -> bool:
        return not self.problems

    def url(self, path: str, query_string: str) -> str:
        return self.public_url + path + ("?" + query_string if query_string else "")

    def authentic(self, path: str, query_string: str, params: Mapping[str, List[str]], signature: Optional[str]) -> bool:
        if not self.ready or not signature or not isinstance(signature, str):
            return False
        try:
            return bool(self.validator.validate(self.url(path, query_string), _MultiDict(params), signature))
        except Exception:  # malformed input is simply not authentic
            return False


class _MultiDict(dict):
    """The form as RequestValidator expects repeated fields: a mapping with getlist()."""

    def getlist(self, name: str) -> List[str]:
        return list(self[name])


def _normalise_base(url: Optional[str]) -> str:
    url = (url or "").strip().rstrip("/")
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query or parsed.fragment:
        return ""
    return url


def parse_form(body: bytes) -> Dict[str, List[str]]:
    """Twilio's urlencoded form, blank values kept (they are part of the signed string)."""
    return urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True,
                                 max_num_fields=MAX_FORM_FIELDS)


# --- Replays -----------------------------------------------------------------------------------

class ReplayGuard:
    """Remembers keyed hashes of MessageSids for a while. `first_time(sid)` is True exactly once.

    The hash key is derived from the auth token, so every instance computes the same hash (Redis
    scale-out) and nobody without the token can link a stored hash to a sid seen at Twilio."""

    def __init__(self, token: str, ttl_seconds: float = REPLAY_TTL_SECONDS,
                 max_entries: int = REPLAY_MAX_ENTRIES, redis_url: Optional[str] = None, clock=time.monotonic) -> None:
        self.key = hmac.new((token or "").encode("utf-8"), b"safe-report sms replay key", hashlib.sha256).digest()
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self.clock = clock
        self._seen: "OrderedDict[str, float]" = OrderedDict()  # hash -> expiry (monotonic)
        self._lock = threading.Lock()
        self.redis = None
        if redis_url:
            import redis

            self.redis = redis.Redis.from_url(redis_url, socket_timeout=5)

    def digest(self, sid: str) -> str:
        return hmac.new(self.key, sid.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]

    def first_time_in_memory(self, digest: str) -> bool:
        with self._lock:
            now = self.clock()
            while self._seen:  # entries are in expiry order: drop the expired ones from the front
                expiry = next(iter(self._seen.values()))
                if expiry > now and len(self._seen) < self.max_entries:
                    break
                self._seen.popitem(last=False)
            if digest in self._seen:
                return False
            self._seen[digest] = now + self.ttl
            return True

    async def first_time(self, sid: str) -> bool:
        digest = self.digest(sid)
        # Memory first: catches a replay to this instance even if Redis is unreachable.
        first_here = self.first_time_in_memory(digest)
        if self.redis is None:
            return first_here
        try:
            stored = await asyncio.to_thread(
                self.redis.set, "safereport:sms-seen:" + digest, b"1", nx=True, ex=max(1, int(self.ttl)))
        except Exception as exc:
            logger.error("Replay check in Redis failed (%s); using this instance's memory only", type(exc).__name__)
            return first_here
        return first_here and bool(stored)


# --- The channel -------------------------------------------------------------------------------

def _xml(body: str, status: int = 200) -> HTTPResponse:
    return response.text(body, status=status, content_type=XML, headers={"Cache-Control": "no-store"})


def _refused() -> HTTPResponse:
    return response.text("", status=403, headers={"Cache-Control": "no-store"})


def _first(form: Mapping[str, List[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0]


def _media_count(form: Mapping[str, List[str]]) -> int:
    try:
        return max(0, int(_first(form, "NumMedia") or 0))
    except ValueError:
        return 0


class TwilioSMSInput(SafeInputChannel):
    channel_kind = "twilio"

    @classmethod
    def name(cls) -> str:
        return "twilio"

    def __init__(self, **settings: Any) -> None:
        if settings:
            # Rasa's own Twilio channel takes account_sid / auth_token / twilio_number here; ours
            # takes nothing from the credentials file, so a secret there is a mistake to fix now.
            raise ValueError(
                "bot.channels.sms.TwilioSMSInput takes no settings in credentials.yml (found: "
                + ", ".join(sorted(settings)) + "). Put the auth token in the environment variable "
                "TWILIO_AUTH_TOKEN and the public base URL in SAFE_REPORT_PUBLIC_URL."
            )
        super().__init__()
        config = app_settings()
        token = config.twilio_auth_token
        self._token = token
        self.signatures = SignatureCheck(token, config.public_url)
        if not self.signatures.ready:
            logger.error("SMS channel: %s. Every request to /webhooks/twilio/webhook will be refused "
                         "(403) until it is configured; see docs/sms.md.", " and ".join(self.signatures.problems))
        self.replays = ReplayGuard(
            token,
            ttl_seconds=config.sms_replay_ttl_seconds,
            redis_url=config.redis_url,
        )

    def decorate(self, messages: List[Dict[str, Any]], turn: Turn) -> List[Dict[str, Any]]:
        """One short page (sms_pages), the rest kept for MORE; the first text of a conversation
        may be read on a lock screen, so it starts with the neutral notice."""
        # "Part of the answer is missing, call 999 if in danger" must not wait behind MORE.
        errors = {safety.response_text("utter_error", turn.language), safety.response_text("utter_error")}
        messages = sorted(messages, key=lambda m: m.get("text") not in errors)
        texts = [sms_text(m) for m in messages]
        hint = safety.response_text("utter_sms_more_hint", turn.language)
        danger = turn.danger or safety.contains_emergency_numbers(messages[:1])
        page, later = sms_pages.paginate(texts, hint, danger=danger)
        if turn.sender:
            self._keep_pages(turn.sender, later)
        out = [{"text": page}]
        if turn.first:
            out.insert(0, {"text": safety.response_text("utter_sms_first", turn.language)})
        return out

    def _keep_pages(self, sender: str, pages: List[str]) -> None:
        try:
            self.pseudonymizer.set_state(sender, MORE_STATE, json.dumps(pages) if pages else None)
        except Exception as exc:  # MORE will say there is nothing more; the answer still goes
            logger.error("Could not keep the rest of an SMS answer (%s)", type(exc).__name__)

    def _next_page(self, raw_sender: str) -> Optional[List[Dict[str, Any]]]:
        """The next page of the last answer for a MORE message (None: not a known conversation)."""
        if not self.pseudonymizer.is_known(raw_sender, self.channel_kind):
            return None
        sender = self.pseudonymizer.pseudonym(raw_sender, self.channel_kind)
        language = choice.current(self.pseudonymizer, sender)
        pages = json.loads(self.pseudonymizer.state(sender, MORE_STATE) or "[]")
        if not pages:
            return fixed("utter_sms_no_more", language)
        self.pseudonymizer.set_state(sender, MORE_STATE, json.dumps(pages[1:]) if pages[1:] else None)
        return [{"text": pages[0]}]

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint("twilio_sms_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.signatures.ready else "not configured"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.handle(request, on_new_message)

        return bp

    async def handle(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        signature = request.headers.get("X-Twilio-Signature")
        body = request.body or b""
        if not signature or not self.signatures.ready or len(body) > MAX_FORM_BYTES:
            return _refused()
        form = parse_form(body)
        values = [v for vs in form.values() for v in vs]
        with sensitive(self._token, signature, *values):
            if not self.signatures.authentic(request.path, request.query_string, form, signature):
                return _refused()
            sid = _first(form, "MessageSid") or _first(form, "SmsSid")
            if not sid:
                return _xml(MessagingResponse().to_xml(), status=400)
            if not await self.replays.first_time(sid):
                return _xml(MessagingResponse().to_xml())  # 200, so Twilio does not retry
            messages = await self._answer_sms(_first(form, "Body"), _first(form, "From"), _media_count(form),
                                              on_new_message)
            return _xml(twiml(messages))

    async def _answer_sms(self, text: str, sender: str, media: int, on_new_message: OnNewMessage) -> List[Dict[str, Any]]:
        if len(text) > SMS_MAX_BODY_CHARS:
            # Twilio never sends more; answered without Rasa, like any over-long message.
            return self._without_rasa(
                (safety.danger_messages() if safety.is_danger(text) else []) + fixed("utter_too_long"), sender)
        if not text.strip():
            return self._without_rasa(fixed("utter_media" if media else "utter_empty"), sender)
        if safety.is_more_command(text):
            try:
                more = self._next_page(sender)
            except Exception as exc:
                logger.error("Could not send the rest of an SMS answer (%s)", type(exc).__name__)
                more = fixed("utter_sms_no_more")
            if more is not None:
                return more
        messages = await self.answer(text, sender, on_new_message)
        # A picture with words: answer the words (they may say the person is in danger), then say
        # the picture itself was not read.
        return messages + fixed("utter_media") if media else messages

    def _without_rasa(self, messages: List[Dict[str, Any]], sender: str) -> List[Dict[str, Any]]:
        """A fixed answer that starts no conversation. Until one exists, every reply is a first
        reply, so it carries the notice too (it may be the only text this person ever gets)."""
        first = not self.pseudonymizer.is_known(sender, self.channel_kind)
        return [{"text": safety.response_text("utter_sms_first")}] + messages if first else messages
