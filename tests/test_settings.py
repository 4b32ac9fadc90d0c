"""bot/settings.py is the one home of settings, and docs/deployment.md lists exactly its variables."""
import re
from pathlib import Path

from bot import settings as settings_module
from bot.settings import DEFAULTS, env_names, from_environment

ROOT = Path(__file__).resolve().parent.parent


def test_deployment_table_lists_every_setting_and_nothing_else():
    doc = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    table = doc[doc.index("| variable | default | meaning |"):]
    table = table[:table.index("\n\n")]
    documented = set(re.findall(r"`((?:SAFE_REPORT|TWILIO|RASA)_[A-Z_]+)`", table))
    assert documented == set(env_names())


def test_defaults_with_nothing_set(tmp_path):
    s = from_environment({})
    assert (s.port, s.actions_port, s.host) == (5005, 5055, "127.0.0.1")
    assert s.idle_seconds == 1800 and s.redis_url is None and s.telemetry_enabled == "false"
    assert s.themes_db == s.root / "var" / "themes.db"


def test_values_are_read_from_the_environment(tmp_path):
    s = from_environment({"SAFE_REPORT_ROOT": str(tmp_path), "SAFE_REPORT_IDLE_SECONDS": "60",
                          "SAFE_REPORT_REDIS_URL": "redis://127.0.0.1:1/0", "TWILIO_AUTH_TOKEN": "tok"})
    assert s.root == tmp_path and s.idle_seconds == 60 and s.redis_url.endswith("/0")
    assert s.themes_db == tmp_path / "var" / "themes.db"
    assert "tok" not in repr(s)  # the secret never shows in a log line or traceback


def test_empty_variable_means_default():
    assert from_environment({"SAFE_REPORT_PORT": ""}).port == int(DEFAULTS["SAFE_REPORT_PORT"])


def test_read_once_until_reloaded(monkeypatch):
    first = settings_module.reload()
    monkeypatch.setenv("SAFE_REPORT_MAX_MESSAGE_CHARS", "77")
    assert settings_module.settings() is first
    assert settings_module.reload().max_message_chars == 77
    monkeypatch.delenv("SAFE_REPORT_MAX_MESSAGE_CHARS")
    settings_module.reload()


def test_no_other_module_reads_our_variables():
    readers = []
    for path in (ROOT / "bot").rglob("*.py"):
        if path.name == "settings.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"environ(?:\.get)?\(?\[?\s*[\"'](?:SAFE_REPORT_|TWILIO_AUTH)", text):
            readers.append(str(path.relative_to(ROOT)))
    assert readers == []
