"""Right-to-left text in a real browser: the Urdu danger answer as the catalog serves it shows
"0808 2000 247" in its own order, and the same text without isolates would not. Saves the
screenshot docs/translations-rtl.png (without isolates above, as served below).

Starts Debian's Chromium, so it is in the stack lane."""
from __future__ import annotations

import re

import html
from pathlib import Path

import pytest

from bot.i18n import bidi, catalog
from support import ROOT

pytestmark = pytest.mark.stack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = ROOT / "docs" / "translations-rtl.png"
NUMBER = "0808 2000 247"

# x of the first and the last group of the number, as laid out on screen.
_GROUP_X = """([id, first, last]) => {
  const node = document.getElementById(id).firstChild;
  const at = node.data.indexOf(first + " ");
  const x = (start, length) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, start + length);
    return range.getBoundingClientRect().left;
  };
  return [x(at, first.length), x(node.data.indexOf(" " + last, at) + 1, last.length)];
}"""


def _page(plain: str, served: str) -> str:
    style = "body{font:20px sans-serif;width:380px;margin:12px} p{border:1px solid #999;padding:6px}"
    return (f"<!doctype html><html lang='ur' dir='rtl'><meta charset='utf-8'><style>{style}</style>"
            f"<p id='plain'>{html.escape(plain)}</p><p id='served'>{html.escape(served)}</p></html>")


def test_urdu_numbers_keep_their_order_only_when_isolated():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    served = catalog.reload().text("utter_error", "ur")
    # the number sits inside an isolated run (alone, or with the helpline's English name)
    assert re.search(f"{bidi.FSI}[^{bidi.PDI}]*{NUMBER}[^{bidi.PDI}]*{bidi.PDI}", served), "the Urdu text is not served"
    plain = served.replace(bidi.FSI, "").replace(bidi.PDI, "")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 412, "height": 420})
            page.set_content(_page(plain, served))
            first, last = page.evaluate(_GROUP_X, ["served", "0808", "247"])
            assert first < last, "isolated: 0808 must be left of 247"
            first, last = page.evaluate(_GROUP_X, ["plain", "0808", "247"])
            assert first > last, "without isolates the browser reverses the groups (the test would be moot)"
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
