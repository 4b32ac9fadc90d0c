"""Every log record is scrubbed at creation, at every level, whatever handlers Rasa installs."""
import io
import json
import logging
import urllib.parse

import pytest

from bot import log_privacy


@pytest.fixture
def captured():
    log_privacy.install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    old = root.level
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old)


def test_request_values_are_removed_in_every_encoding(captured):
    text = "my name is Zuzanna Wiśniewska and he hurts me"
    log = logging.getLogger("rasa.core.processor")
    with log_privacy.sensitive(text, "+447700900123"):
        log.debug("Received user message '%s'", text)
        log.debug("json %s", json.dumps({"text": text}))
        log.debug("url %s", urllib.parse.quote(text))
        log.info(f"sender +447700900123 said {text!r}")
    out = captured.getvalue()
    for needle in ["Zuzanna", "Wi\\u015bniewska", "Wiśniewska", "hurts me", "447700900123",
                   urllib.parse.quote("Wiśniewska")]:
        assert needle not in out
    assert out.count(log_privacy.MASK) >= 4


def test_numbers_emails_and_addresses_are_masked_without_context(captured):
    logging.getLogger("x").warning("from 07700 900123 a@b.co.uk at 192.168.1.20 and 2001:db8::1")
    out = captured.getvalue()
    assert "900123" not in out and "a@b.co.uk" not in out and "192.168.1.20" not in out and "2001:db8" not in out


def test_exception_messages_are_withheld_but_type_and_frames_kept(captured):
    street = "".join(["Aca", "cia"])  # built at run time: a traceback shows code lines, not data
    try:
        raise ValueError(f"body was: my address is 12 {street} Road")
    except ValueError:
        logging.getLogger("sanic.error").exception("Exception occurred while handling uri")
    out = captured.getvalue()
    assert "Acacia" not in out
    assert "ValueError: (message withheld)" in out
    assert "test_log_privacy.py" in out


def test_access_log_is_dropped(captured):
    access = logging.getLogger("sanic.access")
    access.addHandler(logging.StreamHandler(captured))
    access.setLevel(logging.DEBUG)
    access.info("", extra={"host": "203.0.113.9", "request": "POST /webhooks/webchat/webhook"})
    assert "203.0.113.9" not in captured.getvalue()


def test_warnings_are_logged_scrubbed_but_deprecation_notices_are_dropped(captured):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        # pytest records warnings with its own hook: route them through logging afresh, as a
        # process that starts Rasa does (catch_warnings puts pytest's hook back on exit).
        logging.captureWarnings(False)
        log_privacy.install()
        warnings.warn("old API, call 07700 900123", DeprecationWarning, stacklevel=1)
        warnings.warn("will change", FutureWarning, stacklevel=1)
        warnings.warn("a real problem for 07700 900123", UserWarning, stacklevel=1)
    out = captured.getvalue()
    assert "old API" not in out and "will change" not in out
    assert "a real problem" in out and "07700 900123" not in out
