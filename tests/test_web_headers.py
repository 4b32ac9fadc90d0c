"""Every response the server sends to the chat page carries the strict headers and sets no cookie:
the page, each static file, the webhook (200, 400, 429), health, and not-found answers."""
from __future__ import annotations

import os

import httpx
import pytest

from bot.channels.webchat import STATIC_TYPES
from bot.paths import WEB_DIR

BASE = "/webhooks/webchat"
STATIC_FILES = sorted(p.name for p in WEB_DIR.iterdir()
                      if p.is_file() and os.path.splitext(p.name)[1] in STATIC_TYPES)


def assert_strict_headers(resp: httpx.Response) -> None:
    h = resp.headers
    csp = h.get("content-security-policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", csp
    assert directives.get("default-src") == "default-src 'none'", csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp, csp
    for directive in ("script-src", "style-src", "connect-src", "img-src"):
        assert directives.get(directive) == f"{directive} 'self'", csp
    assert h.get("referrer-policy") == "no-referrer"
    assert "no-store" in h.get("cache-control", "")
    assert h.get("x-content-type-options") == "nosniff"
    assert "set-cookie" not in h


@pytest.fixture(scope="module")
def client(rasa_stack):
    with httpx.Client(base_url=rasa_stack.url, timeout=60, follow_redirects=False) as c:
        yield c


def test_the_page_has_strict_headers(client):
    resp = client.get(f"{BASE}/")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert_strict_headers(resp)


def test_there_are_static_files_to_check():
    assert {"index.html", "app.js", "style.css"} <= set(STATIC_FILES)


@pytest.mark.parametrize("name", STATIC_FILES)
def test_each_static_file_has_strict_headers(client, name):
    resp = client.get(f"{BASE}/static/{name}")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == STATIC_TYPES[os.path.splitext(name)[1]]
    assert resp.content == (WEB_DIR / name).read_bytes()
    assert_strict_headers(resp)


def test_health_has_strict_headers(client):
    resp = client.get(f"{BASE}/health")
    assert resp.status_code == 200
    assert_strict_headers(resp)


def test_webhook_answer_has_strict_headers(client):
    resp = client.post(f"{BASE}/webhook", json={"sender": os.urandom(8).hex(), "message": "hello"})
    assert resp.status_code == 200
    assert isinstance(resp.json(), list) and resp.json()
    assert_strict_headers(resp)


@pytest.mark.parametrize("body", [b"not json", b'{"sender": 5, "message": "hi"}', b"[1, 2]",
                                  b'{"sender": "a", "message": ["x"]}', b"x" * (17 * 1024)],
                         ids=["not-json", "sender-not-text", "not-an-object", "message-not-text", "too-big"])
def test_bad_webhook_requests_get_400_with_strict_headers(client, body):
    resp = client.post(f"{BASE}/webhook", content=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    messages = resp.json()
    assert isinstance(messages, list) and all("text" in m for m in messages)
    assert_strict_headers(resp)


def test_rate_limited_answer_has_strict_headers(client):
    sender = os.urandom(8).hex()
    for _ in range(200):  # empty messages are cheap and still count against the conversation
        resp = client.post(f"{BASE}/webhook", json={"sender": sender, "message": ""})
        if resp.status_code == 429:
            break
    assert resp.status_code == 429
    assert "999" in " ".join(m["text"] for m in resp.json())
    assert_strict_headers(resp)


@pytest.mark.parametrize("path", [f"{BASE}/static/missing.js", f"{BASE}/static/notes.txt",
                                  f"{BASE}/static/.hidden.js", f"{BASE}/static/..%2F__init__.py",
                                  f"{BASE}/static/%2E%2E%2Fchannels%2Fwebchat.py"])
def test_not_found_static_files_have_strict_headers(client, path):
    resp = client.get(path)
    assert resp.status_code == 404
    assert b"import" not in resp.content
    assert_strict_headers(resp)


# Sanic answers these itself (unknown path, wrong method), outside the webchat blueprint: the
# channel registers its header hook on the whole app so they carry the headers too.
@pytest.mark.parametrize("method,path", [("GET", f"{BASE}/no-such-page"), ("GET", f"{BASE}/webhook")])
def test_other_paths_under_the_page_have_strict_headers(client, method, path):
    resp = client.request(method, path)
    assert resp.status_code in (404, 405)
    assert_strict_headers(resp)


def test_path_without_final_slash_redirects_to_the_page(client):
    resp = client.get(BASE.rstrip("/"), follow_redirects=False)
    assert resp.status_code in (301, 302, 308)
    assert resp.headers["location"].endswith("webchat/")
    assert_strict_headers(resp)
