"""Two changes to how Rasa runs a custom action on the action server (rasa.core.actions.action.
RemoteAction), installed by bot.patches.install() before Rasa answers anyone.

1. A failed action answers with utter_error. Rasa logs the failure and carries on, so the person
   would get a silently cut answer; utter_error gives 999, the Silent Solution and a helpline.
2. The action server's reply is checked against a schema compiled once. Rasa calls
   jsonschema.validate() on every reply, which first checks the (large) events schema itself
   against the JSON Schema metaschema: measured at 14.5 ms per call against 0.4 ms for a
   validator built once, and about 40% of a plain Rasa worker's CPU at saturation. The check on
   the reply, and the error it raises, stay the same.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict

from bot.patches.versions import require

_PATCHED = False


@lru_cache(maxsize=1)
def _reply_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def install() -> None:
    global _PATCHED
    if _PATCHED:
        return
    require("rasa", "remote_action")
    from jsonschema import ValidationError
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.shared.core.events import BotUttered

    original_run = RemoteAction.run
    original_validate = RemoteAction._validate_action_result

    async def run(self, output_channel, nlg, tracker, domain):
        try:
            return await original_run(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception as exc:
            from bot.safety import response_text

            logging.getLogger(__name__).error("Action %s failed (%s)", self.name(), type(exc).__name__)
            return [BotUttered(response_text("utter_error"), metadata={"utter_action": "utter_error"})]

    def validate_action_result(self, result: Dict[str, Any]) -> bool:
        try:
            _reply_validator().validate(result)
        except ValidationError:
            return original_validate(self, result)  # Rasa's own path builds Rasa's own error
        return True

    RemoteAction.run = run
    RemoteAction._validate_action_result = validate_action_result
    _reply_validator()  # compile at start-up, not on the first person's message
    _PATCHED = True


def installed() -> bool:
    return _PATCHED
