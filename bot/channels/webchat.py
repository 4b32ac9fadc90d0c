"""The web chat channel: Rasa's REST contract, plus the chat page, behind our privacy layer.

POST /webhooks/webchat/webhook  {"sender": "<opaque id>", "message": "<text>"}
  -> [{"recipient_id": "<same id>", "text": "..."}, ...]   (as Rasa's REST channel answers)
GET  /webhooks/webchat/         the chat page (bot/web/)
GET  /webhooks/webchat/health   {"status": "ok"}
Every response carries strict headers: no caching, no referrer, a CSP that allows only this origin.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Dict, List

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import safety
from bot.channels import languages as choice
from bot.channels.base import OnNewMessage, SafeInputChannel, fixed
from bot.channels import webchat_page
from bot.channels.rate_limit import RateLimiter
from bot.paths import WEB_DIR
from bot.settings import settings

MAX_BODY_BYTES = 16 * 1024
MAX_SENDER_CHARS = 128
STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
                ".ico": "image/x-icon"}

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; font-src 'none'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def _json(messages: List[Dict[str, Any]], sender: str = "", status: int = 200) -> HTTPResponse:
    body = [{"recipient_id": sender, **m} for m in messages]
    return response.json(body, status=status, ensure_ascii=False)


class WebChatInput(SafeInputChannel):
    channel_kind = "webchat"

    @classmethod
    def name(cls) -> str:
        return "webchat"

    def __init__(self, per_conversation_per_minute: int = 0, per_address_per_minute: int = 0) -> None:
        super().__init__()
        # Generous per address: many women in one refuge share one address.
        config = settings()
        self.per_conversation = RateLimiter(int(per_conversation_per_minute or config.rate_per_conversation), 60)
        self.per_address = RateLimiter(int(per_address_per_minute or config.rate_per_address), 60)

    def _address_key(self, request: Request) -> str:
        # Only a hash of the address, and only in memory, to count requests.
        return hashlib.sha256(("addr:" + str(request.ip)).encode()).hexdigest()[:16]

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint("webchat_webhook", __name__)

        async def add_headers(request: Request, resp: HTTPResponse) -> None:
            if resp is not None:
                for key, value in SECURITY_HEADERS.items():
                    resp.headers[key] = value

        @bp.listener("before_server_start")
        async def headers_everywhere(app, _loop) -> None:
            # On every response of the server, Sanic's own 404 and 405 pages included.
            app.register_middleware(add_headers, "response")

        @bp.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            if not request.path.endswith("/"):
                # The page uses relative URLs: /webhooks/webchat must become /webhooks/webchat/.
                return response.redirect("webchat/", status=301)
            return response.raw(webchat_page.html(), content_type=STATIC_TYPES[".html"])

        @bp.route("/static/<name>", methods=["GET"])
        async def static(request: Request, name: str) -> HTTPResponse:
            return await _static(name)

        @bp.route("/health", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            payload = self._parse(request)
            if payload is None:
                return _json(fixed("utter_bad_request"), status=400)
            raw_sender, raw_text, picker = payload
            if not self.per_address.allow(self._address_key(request)) or not self.per_conversation.allow(
                hashlib.sha256(("conv:" + raw_sender).encode("utf-8", "surrogatepass")).hexdigest()
            ):
                language = choice.requested(picker)
                messages = fixed("utter_rate_limited", language)
                danger = safety.danger_language(raw_text if isinstance(raw_text, str) else "")
                if danger:
                    messages = safety.danger_messages(language or danger) + messages
                return _json(messages, raw_sender, status=429)
            messages = await self.answer(raw_text, raw_sender, on_new_message, picker)
            return _json(messages, raw_sender)

        return bp

    @staticmethod
    def _parse(request: Request):
        """(sender, message, metadata.language) from the JSON body, or None if it is not a
        well-formed request. The language is optional and never makes a request malformed."""
        body = request.body or b""
        if len(body) > MAX_BODY_BYTES:
            return None
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None
        if not isinstance(data, dict):
            return None
        sender, message = data.get("sender"), data.get("message")
        if sender is None:
            sender = os.urandom(16).hex()  # a one-off conversation, like Rasa's REST channel
        if not isinstance(sender, str) or not sender or len(sender) > MAX_SENDER_CHARS:
            return None
        try:
            sender.encode("utf-8")  # a lone surrogate (JSON "\ud800") cannot be echoed back
        except UnicodeEncodeError:
            return None
        if message is not None and not isinstance(message, str):
            return None
        metadata = data.get("metadata")
        picker = metadata.get("language") if isinstance(metadata, dict) else None
        return sender, message, picker


async def _static(name: str) -> HTTPResponse:
    suffix = os.path.splitext(name)[1]
    path = WEB_DIR / name
    # Only plain file names of known types inside bot/web/: no traversal, no directory listing.
    if "/" in name or "\\" in name or name.startswith(".") or suffix not in STATIC_TYPES or not path.is_file():
        return response.text("Not found", status=404)
    return response.raw(path.read_bytes(), content_type=STATIC_TYPES[suffix])
