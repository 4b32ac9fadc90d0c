"""The deterministic danger check and the erase command: they must not depend on the model."""
import pytest

from bot import safety

DANGER = [
    "he is hitting me",
    "hes hitting me right now",
    "my husband is beating me",
    "they are hurting me please",
    "help he's coming back and i'm scared",
    "he has a knife",
    "he's got a gun",
    "I am locked in the room",
    "they locked me in",
    "i cant get out of the house",
    "he said he is going to kill me",
    "he threatened to kill me tonight",
    "gonna kill me",
    "I'm not safe right now",
    "im in danger",
    "HELP",
    "help me",
    "pls help!!",
    "sos",
    "emergency",
    "someone is breaking in",
    "he’s strangling me",
    "i want to kill myself",
    "I am bleeding",
    "he is here with a hammer",
    "my husband punching me",
    "he got an axe",
    "he just stabbed me",
    "he cut me and there is blood",
]

NOT_DANGER = [
    "can i report if my visa expired",
    "will the police tell the home office",
    "my husband hit me last year, can I still report it?",
    "how do I delete the texts on my phone",
    "what help is there for men",
    "can you help me find a solicitor",
    "I'm in Scotland",
    "thank you",
    "my partner controls my money",
    "they took my passport",
    "he hit me two years ago",
    "my boss cut my wages",
]


@pytest.mark.parametrize("text", DANGER)
def test_danger_is_detected(text):
    assert safety.is_danger(text)


@pytest.mark.parametrize("text", NOT_DANGER)
def test_ordinary_questions_are_not_danger(text):
    assert not safety.is_danger(text)


@pytest.mark.parametrize("text", [None, "", 5, "\x00\x01", "a" * 100000])
def test_danger_check_never_fails(text):
    assert safety.is_danger(text) in (True, False)


@pytest.mark.parametrize("text", ["delete", "Delete.", "forget me", "please delete this chat", "erase everything",
                                  "clear the conversation", "forget me now"])
def test_erase_commands(text):
    assert safety.is_forget_command(text)


@pytest.mark.parametrize("text", ["how do I delete the texts on my phone", "stop", "STOP", "end", "cancel", "quit",
                                  "unsubscribe", "will you delete what I said?", "delete my husband's visa"])
def test_not_erase_commands(text):
    # Opt-out words belong to the SMS provider; questions about deleting are phone-safety questions.
    assert not safety.is_forget_command(text)


def test_danger_messages_come_from_the_domain_and_give_the_numbers():
    msgs = safety.danger_messages()
    assert safety.contains_emergency_numbers(msgs)
    assert msgs[0]["text"] != safety.LAST_RESORT_DANGER


def test_missing_response_falls_back_to_the_built_in_danger_text():
    assert "999" in safety.response_text("utter_does_not_exist")
