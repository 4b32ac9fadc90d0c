"""python -m bot <command>

  run [--scaled]     start the action server and Rasa (what `make run` does)
  shell              talk to the bot in the terminal, through the same privacy layer
  themes ...         support-worker reports (see docs/themes.md)
  rasa ...           Rasa's own CLI, with the privacy guard, log scrubbing and telemetry off
  actions ...        the rasa-sdk action server, with log scrubbing
"""
import sys


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if command == "run":
        from bot.launcher import run

        return run(scaled="--scaled" in rest)
    if command == "shell":
        from bot.launcher import shell

        return shell()
    if command == "rasa":
        from bot.entrypoints import rasa_main

        return rasa_main(rest)
    if command == "actions":
        from bot.entrypoints import actions_main

        return actions_main(rest)
    if command == "themes":
        from bot.themes.cli import main as themes_main

        return themes_main(rest)
    print(__doc__)
    return 0 if command in ("help", "-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main())
