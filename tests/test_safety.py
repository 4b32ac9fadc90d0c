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
    # Negated: the person says it is NOT an emergency; they need the answer to their question.
    "how do i report if it is not an emergency",
    "what is the non-emergency number",
    "who do i call if nobody is in danger",
    "i am not in danger now but want to report",
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


@pytest.mark.parametrize("texts", [
    ["Crimestoppers: 0800 555 111. In danger? Call 999."],  # 555 is not the Silent Solution
    ["Call 999."],
    ["Press 55 on a mobile."],  # no 999
])
def test_emergency_check_wants_the_silent_solution_itself(texts):
    assert not safety.contains_emergency_numbers([{"text": t} for t in texts])


def test_emergency_check_accepts_the_silent_solution():
    assert safety.contains_emergency_numbers([{"text": "If you cannot speak, call 999, then press 55 on a mobile."}])
    assert safety.contains_emergency_numbers([{"text": safety.LAST_RESORT_DANGER}])


@pytest.mark.parametrize("text", ["i want to kill myself", "im thinking of suicide", "I want to end my life"])
def test_suicidal_feelings_get_the_danger_answer_with_samaritans(text):
    assert safety.is_danger(text)
    joined = " ".join(m["text"] for m in safety.danger_messages())
    assert "Samaritans" in joined and "116 123" in joined
    assert "Samaritans" in safety.LAST_RESORT_DANGER and "116 123" in safety.LAST_RESORT_DANGER
