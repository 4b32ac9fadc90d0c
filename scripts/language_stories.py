"""Write tests/stories/languages.yml: one test story per language from tests/data/conversation_<code>.yml.

    .venv/bin/python scripts/language_stories.py
"""
import sys
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
import yaml  # noqa: E402
from pathlib import Path  # noqa: E402
from bot.privacy.registry import languages  # noqa: E402
ROOT = Path(__file__).resolve().parents[1]
FLOWS = {
  "status": ("police_share_data", ["utter_police_share_data", "utter_police_super_complaint", "utter_safer_first_steps", "action_show_services"]),
  "legal_help": ("legal_advice", ["utter_legal_advice", "utter_legal_advice_regulated", "action_show_services"]),
  "danger": ("danger", ["utter_danger", "utter_danger_more"]),
}
out = ['# One conversation per language (written by each language\'s author in',
       '# tests/data/conversation_<code>.yml; regenerate with scripts/language_stories.py):',
       '# the honest answer about the police and the Home Office, legal help, and danger, understood',
       '# from the words people write. Run with tests/stories/topics.yml by tests/test_rasa_cli.py.',
       'version: "3.1"', '', 'stories:']
for lang in languages():
    path = ROOT / "tests" / "data" / f"conversation_{lang.code}.yml"
    if not path.exists():
        continue
    lines = yaml.safe_load(path.read_text(encoding="utf-8"))
    out.append(f'  - story: "{lang.english} ({lang.code}): status, legal help, danger"')
    out.append('    steps:')
    for key, (intent, actions) in FLOWS.items():
        out.append('      - user: |')
        out.append(f'          {lines[key]}')
        out.append(f'        intent: {intent}')
        out += [f'      - action: {a}' for a in actions]
    out.append('')
(ROOT / "tests" / "stories" / "languages.yml").write_text("\n".join(out), encoding="utf-8")
