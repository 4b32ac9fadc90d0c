"""Our few changes to how Rasa and Sanic run, in one place, each written for one version.

    from bot import patches
    patches.install()

* telemetry: Rasa's telemetry start-up writes ~/.config/rasa/global.yml with a tracking id even
  when RASA_TELEMETRY_ENABLED=false; it becomes a no-op.
* remote_action: a failed custom action answers with utter_error (999, the Silent Solution, a
  helpline) instead of a silently cut answer; the action server's reply is checked against a
  schema compiled once.
* sanic_workers: one SO_REUSEPORT listening socket per Sanic worker, so a second worker works.

Each patch checks the installed Rasa and Sanic versions and refuses to run on others
(IncompatibleVersion), because a patch applied silently to code it was not written for can fail
in ways no test here would see. `install()` is idempotent. It runs from the entry points
(`python -m bot rasa ...`) and again when our channels are created inside any Rasa process, so a
plain `rasa run` on our credentials gets the same behaviour (bot/channels/base.py).
"""
from __future__ import annotations

from bot.patches.versions import IncompatibleVersion, require

__all__ = ["IncompatibleVersion", "install", "require"]


def install() -> None:
    from bot.patches import remote_action, sanic_workers, telemetry

    telemetry.install()
    remote_action.install()
    sanic_workers.install()
