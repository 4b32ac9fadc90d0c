"""Theme counts after scripted conversations through the real webchat channel and Rasa."""
import time
import uuid
from collections import Counter

import pytest

from bot.themes.store import read_counts, read_language_counts
from bot.themes.vocabulary import THEME_RAISED

pytestmark = pytest.mark.stack


def _commits(db) -> int:
    """SQLite's file change counter (header bytes 24-27): one more after every flush, which
    writes even when nothing is pending."""
    if not db.exists():
        return 0
    with open(db, "rb") as f:
        f.seek(24)
        return int.from_bytes(f.read(4), "big")


def snapshot(db):
    """The webchat counts once every increment counted so far is on disk: wait for two flushes
    (the first may have taken its batch before the last message was counted)."""
    target, deadline = _commits(db) + 2, time.monotonic() + 30
    while _commits(db) < target:  # the shared stack flushes about every second (jittered)
        assert time.monotonic() < deadline, "the theme recorder did not flush"
        time.sleep(0.1)
    out = Counter()
    for (_week, channel, theme, outcome), n in read_counts(db).items():
        if channel == "webchat":
            out[(theme, outcome)] += n
    return out


def conversation(stack, *messages):
    sender = uuid.uuid4().hex
    for m in messages:
        stack.say(sender, m)


def test_counts_after_scripted_conversations(rasa_stack):
    before = snapshot(rasa_stack.themes_db)
    conversation(rasa_stack, "will the police tell the home office", "will police tell home office if i report?")
    conversation(rasa_stack, "can I report a crime if I have no papers")
    conversation(rasa_stack, "he is hitting me now")
    conversation(rasa_stack, "my visa depends on my husband", "forget me")
    after = snapshot(rasa_stack.themes_db)
    delta = after - before
    # Each conversation counts once per theme, however often it asks.
    assert delta[("fear_of_data_sharing", THEME_RAISED)] == 2
    assert delta[("immediate_danger", THEME_RAISED)] == 1
    assert delta[("immediate_danger", "gave_emergency_numbers")] == 1
    assert delta[("visa_tied_to_partner", THEME_RAISED)] == 1, sorted(delta.items())
    assert delta[("visa_tied_to_partner", "conversation_erased")] == 1
    assert delta[("fear_of_data_sharing", "explained_data_sharing")] == 2
    assert all(n > 0 for n in delta.values())


def _languages(db):
    snapshot(db)  # two flushes: everything counted so far is on disk
    out = Counter()
    for (_week, language), n in read_language_counts(db).items():
        out[language] += n
    return out


def test_languages_detected_by_the_channel_are_counted_once_per_conversation(rasa_stack):
    """Through the real channel: the language the channel detects reaches the (week, language)
    table, once per conversation, and never any log."""
    before = _languages(rasa_stack.themes_db)
    conversation(rasa_stack, "Czy policja powie Home Office o mnie, jeśli zgłoszę przemoc?", "tak")
    conversation(rasa_stack, "Si denuncio a la policía, ¿le dirán a Home Office que no tengo papeles?")
    conversation(rasa_stack, "kya police home office ko bata degi agar main report karun?")
    conversation(rasa_stack, "will the police tell the home office if I report?")
    delta = _languages(rasa_stack.themes_db) - before
    assert delta == Counter({"pl": 1, "es": 1, "ur-Latn": 1, "en": 1}), delta
    log = rasa_stack.log_file.read_text(encoding="utf-8", errors="replace")
    assert "ur-Latn" not in log and "'pl'" not in log
