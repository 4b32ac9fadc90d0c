"""Theme counts after scripted conversations through the real webchat channel and Rasa."""
import time
import uuid
from collections import Counter

from bot.themes.store import read_counts
from bot.themes.vocabulary import THEME_RAISED


def snapshot(db):
    time.sleep(3.5)  # the shared stack flushes every ~1 s (jittered): wait for pending increments
    if not db.exists():
        return Counter()
    out = Counter()
    for (week, channel, theme, outcome), n in read_counts(db).items():
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
