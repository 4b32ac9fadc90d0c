"""The chat page with its own words in every language the assistant answers in.

The page is static (bot/web/index.html); at serve time it gets one JSON block with, for each
answered language, its name in itself, its direction and the page's texts (data/page.yml, through
the translation catalog). The script switches the page's language from it without asking the
server again, so the danger text shown when the server is unreachable is in the chosen language
too. The block is data (type="application/json"), so the page's CSP (script-src 'self') holds.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Dict, List

import yaml

from bot.channels import languages as choice
from bot.i18n import catalog
from bot.paths import WEB_DIR
from bot.privacy import registry
from bot.settings import settings

MARKER = "<!-- page-strings -->"


def _page_keys() -> List[str]:
    raw = yaml.safe_load((settings().data_dir / "page.yml").read_text(encoding="utf-8")) or {}
    return list((raw.get("page") or {}).keys())


def strings() -> Dict[str, object]:
    """Every answered language: {code, name, dir, strings: {page_key: text}}, English first."""
    keys = _page_keys()
    found = []
    for language in registry.languages():
        if not choice.answerable(language.code):
            continue
        found.append({"code": language.code, "name": language.name, "dir": language.direction,
                      "strings": {key: catalog.text(key, language.code) for key in keys}})
    return {"languages": found}


def _script_block(data: Dict[str, object]) -> str:
    # "<" escaped: no text in the data can close the script element.
    body = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    return f'<script type="application/json" id="page-strings">{body}</script>'


@functools.lru_cache(maxsize=1)
def html() -> bytes:
    page = Path(WEB_DIR / "index.html").read_text(encoding="utf-8")
    return page.replace(MARKER, _script_block(strings()), 1).encode("utf-8")
