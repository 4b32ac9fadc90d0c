"""bot.remote_action: the action server's reply is checked against a schema compiled once, with the
same verdicts and the same error as Rasa's own jsonschema.validate() call."""
from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.patches import remote_action

remote_action.install()

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "topic", "value": "visa", "timestamp": None}],
     "responses": [{"text": "hello", "buttons": []}]},
    {"events": [{"event": "bot", "text": "hi", "data": {}, "metadata": {}}]},
    {},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": "no-such-event"}]},
    {"events": [{"event": "slot", "name": 5}]},
    {"responses": "nope"},
    {"responses": [1, 2]},
    [],
    "text",
]


@pytest.mark.parametrize("reply", VALID)
def test_a_valid_reply_passes(reply):
    jsonschema.validate(reply, RemoteAction.action_response_format_spec())  # Rasa's own verdict
    assert RemoteAction("action_x", None)._validate_action_result(reply) is True


@pytest.mark.parametrize("reply", INVALID)
def test_an_invalid_reply_raises_rasas_error(reply):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(reply, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as caught:
        RemoteAction("action_x", None)._validate_action_result(reply)
    assert "Failed to validate Action server response" in caught.value.message


def test_install_is_idempotent_and_the_validator_is_built_once():
    before = RemoteAction._validate_action_result
    remote_action.install()
    assert RemoteAction._validate_action_result is before
    assert remote_action._reply_validator() is remote_action._reply_validator()
