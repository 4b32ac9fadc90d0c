"""How one message reaches each server, and what counts as a failed answer.

OurTarget sends even-numbered conversations through the web chat channel and odd-numbered ones
through the SMS channel (form fields signed with twilio's RequestValidator, as Twilio signs
them). PlainTarget sends every conversation to Rasa's REST channel. Both see the same scripts."""
from __future__ import annotations

import secrets
import time
import urllib.parse
from typing import Tuple

import httpx
from twilio.request_validator import RequestValidator

from bench.stats import Record

SMS_PATH = "/webhooks/twilio/webhook"
WEBCHAT_PATH = "/webhooks/webchat/webhook"
REST_PATH = "/webhooks/rest/webhook"
TIMEOUT_S = 60.0


def _error_text() -> str:
    from bot import safety

    return safety.response_text("utter_error")


class Target:
    name = "target"

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.error_text = _error_text()

    def new_sender(self, index: int) -> str:
        return secrets.token_hex(12)

    async def send(self, client: httpx.AsyncClient, index: int, sender: str, text: str) -> Record:
        started = time.monotonic()
        try:
            ok, reason = await self._send(client, index, sender, text)
        except httpx.TimeoutException:
            ok, reason = False, "timeout"
        except httpx.HTTPError as exc:
            ok, reason = False, type(exc).__name__
        return Record(started, time.monotonic() - started, ok, reason)

    async def _send(self, client, index, sender, text) -> Tuple[bool, str]:
        raise NotImplementedError

    def _judge_json(self, resp: httpx.Response) -> Tuple[bool, str]:
        if resp.status_code != 200:
            return False, f"http {resp.status_code}"
        try:
            body = resp.json()
        except ValueError:
            return False, "not json"
        if not isinstance(body, list) or not body:
            return False, "empty answer"
        if any(self.error_text and m.get("text") == self.error_text for m in body if isinstance(m, dict)):
            return False, "error answer"
        return True, ""


class PlainTarget(Target):
    """Rasa's own REST channel: the reference."""

    name = "plain"

    async def _send(self, client, index, sender, text):
        resp = await client.post(self.base_url + REST_PATH, json={"sender": sender, "message": text},
                                 timeout=TIMEOUT_S)
        return self._judge_json(resp)


class OurTarget(Target):
    """Our web chat channel for even conversations, our SMS channel for odd ones."""

    name = "ours"

    def __init__(self, base_url: str, twilio_token: str, public_url: str) -> None:
        super().__init__(base_url)
        self.validator = RequestValidator(twilio_token)
        self.public_url = public_url.rstrip("/")
        self._numbers = 0

    def new_sender(self, index: int) -> str:
        if index % 2 == 0:
            return secrets.token_hex(12)
        self._numbers += 1
        return f"+4477009{self._numbers % 100000:05d}"  # invented UK mobile numbers

    async def _send(self, client, index, sender, text):
        if index % 2 == 0:
            resp = await client.post(self.base_url + WEBCHAT_PATH, json={"sender": sender, "message": text},
                                     timeout=TIMEOUT_S)
            return self._judge_json(resp)
        return await self._send_sms(client, sender, text)

    async def _send_sms(self, client, sender: str, text: str) -> Tuple[bool, str]:
        form = {
            "MessageSid": "SM" + secrets.token_hex(16),
            "AccountSid": "AC" + "0" * 32,
            "From": sender,
            "To": "+447700900000",
            "Body": text,
            "NumMedia": "0",
        }
        signature = self.validator.compute_signature(self.public_url + SMS_PATH, form)
        resp = await client.post(
            self.base_url + SMS_PATH,
            content=urllib.parse.urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
            timeout=TIMEOUT_S,
        )
        if resp.status_code != 200:
            return False, f"http {resp.status_code}"
        body = resp.text
        if "<Message>" not in body:
            return False, "empty answer"
        if self.error_text and _xml_escape(self.error_text) in body:
            return False, "error answer"
        return True, ""


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_client(concurrency: int) -> httpx.AsyncClient:
    # Idle connections are dropped before Sanic's 5 s keep-alive timeout closes them under us.
    limits = httpx.Limits(max_connections=concurrency + 8, max_keepalive_connections=concurrency + 8,
                          keepalive_expiry=3.0)
    return httpx.AsyncClient(limits=limits, timeout=TIMEOUT_S, trust_env=False)


