"""Pseudonyms: keyed, rotating, never recomputable from a phone number, grace for live chats."""
from bot.privacy.pseudonyms import MemoryKeyStore, Pseudonymizer


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def make(rotation=100.0, idle=10.0):
    clock = Clock()
    return Pseudonymizer(store=MemoryKeyStore(rotation, idle, clock=clock)), clock


def test_same_sender_same_pseudonym_and_no_raw_id_inside():
    p, _ = make()
    a = p.pseudonym("+447700900123", "twilio")
    assert a == p.pseudonym("+447700900123", "twilio")
    assert "447700900123" not in a and a.startswith("twilio-")
    assert a != p.pseudonym("+447700900124", "twilio")
    assert a != p.pseudonym("+447700900123", "webchat")


def test_two_processes_never_agree():
    # The key is random per process: a pseudonym cannot be recomputed from the number elsewhere.
    p1, _ = make()
    p2, _ = make()
    assert p1.pseudonym("+447700900123", "twilio") != p2.pseudonym("+447700900123", "twilio")


def test_rotation_gives_a_new_pseudonym_to_a_returning_sender():
    p, clock = make(rotation=100, idle=10)
    before = p.pseudonym("+447700900123", "twilio")
    clock.now += 150  # past rotation, and idle for longer than the grace window
    assert p.pseudonym("+447700900123", "twilio") != before


def test_rotation_does_not_cut_off_a_conversation_in_progress():
    p, clock = make(rotation=100, idle=10)
    clock.now += 95
    live = p.pseudonym("+447700900123", "twilio")
    clock.now += 6  # the key rotates now, mid-conversation
    assert p.pseudonym("+447700900123", "twilio") == live
    # A sender who was not active under the old key starts under the new one.
    assert p.pseudonym("+447700900999", "twilio") != Pseudonymizer().pseudonym("+447700900999", "twilio")
    clock.now += 20  # grace window over: the old key is gone
    assert p.pseudonym("+447700900123", "twilio") != live


def test_is_known_and_forget():
    p, clock = make()
    assert not p.is_known("abc", "webchat")
    key = p.pseudonym("abc", "webchat")
    assert p.is_known("abc", "webchat")
    p.forget(key)
    assert not p.is_known("abc", "webchat")
    p.pseudonym("abc", "webchat")
    clock.now += 11
    assert not p.is_known("abc", "webchat")
