"""Helpers shared by the tests (imported as `from support import ...`; fixtures stay in conftest).

`start_running_stack` starts a real Rasa server and action server through the launcher, on free
ports, logging to a file the tests can search."""
from __future__ import annotations

import os
import secrets
import socket
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_pair() -> int:
    """A port p such that p and p+1 are both free (for two Rasa instances)."""
    for _ in range(50):
        p = free_port()
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", p + 1))
            return p
        except OSError:
            continue
    raise RuntimeError("no free port pair")


class RunningStack:
    def __init__(self, stack, url: str, log_file: Path, actions_port: int):
        self.stack, self.url, self.log_file, self.actions_port = stack, url, log_file, actions_port

    def webchat(self, sender: str, message, client=None, **kwargs):
        import httpx

        c = client or httpx
        return c.post(f"{self.url}/webhooks/webchat/webhook", json={"sender": sender, "message": message},
                      timeout=60, **kwargs)

    def say(self, sender: str, message: str) -> str:
        """POST a message and return all the answer texts joined (asserts HTTP 200)."""
        r = self.webchat(sender, message)
        assert r.status_code == 200, r.status_code
        return "\n".join(m.get("text", "") for m in r.json())

    def stop(self) -> None:
        self.stack.stop()


def start_running_stack(tmp_dir: Path, env=None, scaled=False, rasa_args=None, actions_args=None) -> RunningStack:
    from bot.launcher import start_stack

    port = free_port_pair() if scaled else free_port()
    actions_port = free_port()
    log_file = tmp_dir / "stack.log"
    stack, _ = start_stack(port=port, actions_port=actions_port, env=env or {}, log_file=str(log_file),
                           scaled=scaled, rasa_args=rasa_args, actions_args=actions_args)
    return RunningStack(stack, f"http://127.0.0.1:{port}", log_file, actions_port)


# --- Talking to a running stack as a person would (both channels), and what every answer needs ---

TOKEN = "test-auth-token-not-secret"
PUBLIC_URL = "https://safe-report.example.org"
SMS_PATH = "/webhooks/twilio/webhook"

SERVICES = "Services that can help"  # how action_show_services starts its list (actions/actions.py)


def sender() -> str:
    return "fault-" + secrets.token_hex(12)


def webchat(stack, message: str, timeout: float = 60) -> "tuple[int, str]":
    import httpx

    r = httpx.post(f"{stack.url}/webhooks/webchat/webhook", json={"sender": sender(), "message": message},
                   timeout=timeout)
    assert r.status_code < 500, r.status_code
    data = r.json()
    assert isinstance(data, list) and data and all(isinstance(m.get("text"), str) for m in data), data
    return r.status_code, "\n".join(m["text"] for m in data)


def sms(stack, message: str, timeout: float = 60) -> "tuple[int, str]":
    import httpx
    from twilio.request_validator import RequestValidator

    params = {"MessageSid": "SM" + secrets.token_hex(16), "AccountSid": "AC" + "0" * 32,
              "From": "+447700900" + str(secrets.randbelow(1000)).zfill(3), "To": "+15005550006",
              "Body": message, "NumMedia": "0"}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + SMS_PATH, params)
    r = httpx.post(stack.url + SMS_PATH, data=params, headers={"X-Twilio-Signature": signature}, timeout=timeout)
    assert r.status_code < 500, r.status_code
    root = ET.fromstring(r.content)
    return r.status_code, "\n".join(m.text or "" for m in root)


def assert_emergency(status: int, texts: str) -> None:
    assert status == 200, status
    assert "999" in texts and "55" in texts, texts


def assert_safe_error(status: int, texts: str) -> None:
    """The fixed 'something went wrong' answer, which gives 999, the Silent Solution and a helpline."""
    from bot.safety import response_text

    assert status == 200, status
    assert response_text("utter_error") in texts, texts
