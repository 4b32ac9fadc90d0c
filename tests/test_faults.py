"""Faults: a person must get 999 and the Silent Solution whatever is broken behind the channel.

* The action server killed (SIGKILL), then replaced by one that answers garbage.
* Redis (lock store, tracker store, pseudonym key, SMS replay guard) frozen, killed, then back.
Each fault gets its own stack (these tests break it); every answer is checked over both channels.
A process killed while writing theme counts is covered in tests/test_themes.py.
"""
from __future__ import annotations

import http.server
import os
import shutil
import signal
import socketserver
import threading
import time
from contextlib import contextmanager
from typing import Iterator

import httpx
import pytest

from bot.paths import ROOT
from bot.safety import response_text
from bot.scaled import start_redis
from support import (
    PUBLIC_URL, SERVICES, TOKEN, assert_emergency, assert_safe_error, free_port, sms,
    start_running_stack, webchat,
)

ENV = {"TWILIO_AUTH_TOKEN": TOKEN, "SAFE_REPORT_PUBLIC_URL": PUBLIC_URL, "SAFE_REPORT_RATE_PER_ADDRESS": "100000"}
DANGER = "he is hitting me now"
NEEDS_ACTIONS = "can i report if my visa expired"  # rule: answers, then action_show_services
NO_ACTIONS = "hello"  # rule: utter_greet only


def assert_log_holds_no_user_text(stack) -> None:
    """What a fault wrote to the log: error types, never a message, a phone number or a sender."""
    log = stack.log_file.read_text(encoding="utf-8", errors="replace")
    for text in (DANGER, NEEDS_ACTIONS, "visa expired", "hitting me", "+447700900", "fault-"):
        assert text not in log, (stack.log_file.name, text)


# --- The action server ---------------------------------------------------------------------------

class _GarbageHandler(http.server.BaseHTTPRequestHandler):
    """An action server that has gone wrong: every call fails in a different way."""

    replies = [(500, b"Traceback (most recent call last): boom", "text/plain"),
               (200, b"{not json", "application/json"),
               (200, b'{"events": [{"event": "no-such-event"}], "responses": "not a list"}', "application/json"),
               (400, b'{"error": "rejected"}', "application/json")]
    calls = 0

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        status, body, kind = self.replies[type(self).calls % len(self.replies)]
        type(self).calls += 1
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def garbage_action_server(port: int) -> Iterator[type]:
    socketserver.TCPServer.allow_reuse_address = True
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _GarbageHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield _GarbageHandler
    finally:
        server.shutdown()
        server.server_close()


def kill_action_server(stack) -> None:
    proc = stack.stack.processes[0]
    assert "actions" in " ".join(proc.args)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{stack.actions_port}/health", timeout=5)


class TestActionServerDown:
    """One stack; its action server is killed, then replaced by one that answers garbage."""

    @pytest.fixture(scope="class")
    def actions_stack(self, trained_model, tmp_path_factory):
        running = start_running_stack(tmp_path_factory.mktemp("faults-actions"), env=ENV)
        yield running
        running.stop()

    def test_with_the_action_server_up_the_services_are_listed(self, actions_stack):
        # The baseline, so the next tests can tell a fallback from the normal answer.
        status, texts = webchat(actions_stack, NEEDS_ACTIONS)
        assert status == 200 and response_text("utter_error") not in texts
        assert SERVICES in texts, texts

    @pytest.mark.parametrize("channel", [webchat, sms], ids=["webchat", "sms"])
    def test_action_server_killed_danger_still_gets_999_and_silent_solution(self, actions_stack, channel):
        kill_action_server(actions_stack)
        assert_emergency(*channel(actions_stack, DANGER))

    @pytest.mark.parametrize("channel", [webchat, sms], ids=["webchat", "sms"])
    def test_action_server_killed_a_question_that_needs_it_gets_the_error_answer(self, actions_stack, channel):
        kill_action_server(actions_stack)
        # Rasa logs the failed action and carries on with the rest of the turn; the person must be told
        # that part of the answer is missing, with 999 (utter_error), not get a silently cut answer.
        status, texts = channel(actions_stack, NEEDS_ACTIONS)
        assert_safe_error(status, texts)
        assert SERVICES not in texts

    def test_action_server_killed_a_question_that_does_not_need_it_is_answered(self, actions_stack):
        kill_action_server(actions_stack)
        status, texts = webchat(actions_stack, NO_ACTIONS)
        assert status == 200 and response_text("utter_greet") in texts

    def test_action_server_answering_garbage(self, actions_stack):
        kill_action_server(actions_stack)
        with garbage_action_server(actions_stack.actions_port) as handler:
            for _ in range(len(handler.replies)):
                assert_emergency(*webchat(actions_stack, DANGER))
            start = handler.calls
            for _ in range(len(handler.replies)):
                assert_safe_error(*webchat(actions_stack, NEEDS_ACTIONS))
            assert handler.calls > start, "Rasa never called the garbage action server"
        assert_emergency(*sms(actions_stack, DANGER))

    def test_log_holds_no_user_text(self, actions_stack):
        assert_log_holds_no_user_text(actions_stack)


# --- Redis ---------------------------------------------------------------------------------------

class RedisProcess:
    def __init__(self) -> None:
        if not shutil.which("redis-server"):
            pytest.fail("redis-server is not installed (apt-get install -y redis-server; .ci/run installs it)")
        self.port = free_port()
        # Persistence off (no snapshot, no append-only file), as in production: bot/scaled.py.
        self.proc, self.url = start_redis(self.port)

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def restart(self) -> None:
        self.kill()
        self.proc, _ = start_redis(self.port)


class TestRedisDown:
    """One stack on the scale-out endpoints; its Redis is frozen, killed, then restarted."""

    @pytest.fixture(scope="class")
    def redis_stack(self, trained_model, tmp_path_factory):
        redis_proc = RedisProcess()
        env = {**ENV, "SAFE_REPORT_REDIS_URL": redis_proc.url, "SAFE_REPORT_REDIS_HOST": "127.0.0.1",
               "SAFE_REPORT_REDIS_PORT": str(redis_proc.port), "SAFE_REPORT_REDIS_DB": "0"}
        # One Rasa instance on the scale-out endpoints (Redis lock store and tracker store); the later
        # --endpoints wins over the one rasa_command puts first.
        running = start_running_stack(tmp_path_factory.mktemp("faults-redis"), env=env,
                                      rasa_args=["--endpoints", str(ROOT / "endpoints.redis.yml")])
        running.redis = redis_proc
        yield running
        running.stop()
        redis_proc.kill()

    def test_with_redis_up_conversations_live_in_redis(self, redis_stack):
        import redis

        status, texts = webchat(redis_stack, NO_ACTIONS)
        assert status == 200 and response_text("utter_greet") in texts
        client = redis.Redis.from_url(redis_stack.redis.url)
        assert list(client.scan_iter("safereport:tracker:*")), "the stack is not using Redis"

    def test_redis_frozen_answers_within_seconds(self, redis_stack):
        """A Redis that accepts connections but never answers (SIGSTOP) must not hang the person."""
        redis_stack.redis.signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            try:
                status, texts = webchat(redis_stack, DANGER, timeout=45)
            except httpx.TimeoutException:
                pytest.fail("no answer within 45 s while Redis was frozen")
            assert_emergency(status, texts)
            assert time.monotonic() - started < 30
        finally:
            redis_stack.redis.signal(signal.SIGCONT)

    @pytest.mark.parametrize("channel", [webchat, sms], ids=["webchat", "sms"])
    def test_redis_killed_danger_still_gets_999_and_silent_solution(self, redis_stack, channel):
        redis_stack.redis.kill()
        assert_emergency(*channel(redis_stack, DANGER))

    @pytest.mark.parametrize("channel", [webchat, sms], ids=["webchat", "sms"])
    def test_redis_killed_a_question_gets_the_error_answer(self, redis_stack, channel):
        redis_stack.redis.kill()
        assert_safe_error(*channel(redis_stack, NO_ACTIONS))

    def test_redis_back_conversations_resume(self, redis_stack):
        redis_stack.redis.restart()
        status, texts = webchat(redis_stack, NO_ACTIONS)
        assert status == 200 and response_text("utter_greet") in texts, texts
        assert_emergency(*sms(redis_stack, DANGER))

    def test_log_holds_no_user_text(self, redis_stack):
        assert_log_holds_no_user_text(redis_stack)
