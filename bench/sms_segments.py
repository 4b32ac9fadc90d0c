"""python -m bench.sms_segments [--languages en,pl,...] [--json PATH]

How many SMS segments one reply costs, per language, through the real stack and the signed
Twilio webhook: every message of a reply except the first-contact notice, GSM-7 or UCS-2 per
message, as the carrier counts (bot/channels/sms_pages.py). The questions: the English scripted
conversations of the load benchmark, and for every other language its conversation lines
(tests/data/conversation_<code>.yml) and held-out messages (tests/nlu_holdout/<code>.yml).
Prints median, 90th percentile and maximum per language, and the same for MORE pages.
Not a test (it takes minutes); tests/test_sms_languages.py checks the limits on fewer messages.
"""
from __future__ import annotations

import argparse
import os
import json
import secrets
import statistics
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict, List

import httpx  # noqa: E402
import yaml  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from bench.conversations import SCRIPTS  # noqa: E402
from bench.servers import Servers, make_workdir  # noqa: E402
from bot.channels.sms_pages import segments  # noqa: E402
from bot.paths import ROOT  # noqa: E402
from bot.privacy.registry import codes  # noqa: E402

TOKEN, PUBLIC_URL, PATH = "bench-token", "https://bench.safe-report.invalid", "/webhooks/twilio/webhook"


def questions(code: str, limit: int = 60) -> List[str]:
    if code == "en":
        return [m for name, lines in SCRIPTS if not name.startswith("language ") for m in lines][:limit]
    found: List[str] = []
    conversation = ROOT / "tests" / "data" / f"conversation_{code}.yml"
    if conversation.exists():
        data = yaml.safe_load(conversation.read_text(encoding="utf-8")) or {}
        found += [str(data[k]) for k in ("status", "legal_help", "danger") if data.get(k)]
    holdout = ROOT / "tests" / "nlu_holdout" / f"{code}.yml"
    if holdout.exists():
        for block in (yaml.safe_load(holdout.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            found += [line[2:].strip() for line in str(block.get("examples") or "").splitlines()
                      if line.startswith("- ")][:2]
    return found[:limit]


def sms(url: str, sender: str, body: str) -> List[str]:
    params = {"From": sender, "Body": body, "MessageSid": "SM" + secrets.token_hex(16), "NumMedia": "0"}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + PATH, params)
    r = httpx.post(url + PATH, data=params, headers={"X-Twilio-Signature": signature}, timeout=120)
    r.raise_for_status()
    return [m.text or "" for m in ET.fromstring(r.content)]


def measure(url: str, code: str) -> Dict[str, object]:
    replies, pages = [], []
    for question in questions(code):
        sender = "+4477009" + str(secrets.randbelow(90000) + 10000)  # a new conversation each time
        texts = sms(url, sender, question)[1:]  # without the first-contact notice
        replies.append(sum(segments(t) for t in texts))
        more = sms(url, sender, "MORE")
        pages.append(sum(segments(t) for t in more))
    def summary(values: List[int]) -> Dict[str, float]:
        ordered = sorted(values)
        return {"n": len(values), "median": statistics.median(values) if values else 0,
                "p90": ordered[int(0.9 * (len(ordered) - 1))] if values else 0, "max": max(values, default=0)}
    return {"language": code, "first_reply": summary(replies), "more_page": summary(pages)}


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--languages", default=",".join(codes()))
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    servers = Servers(make_workdir(), TOKEN, PUBLIC_URL)
    servers.start_ours()
    try:
        results = [measure(servers.ours_url, code) for code in args.languages.split(",") if questions(code)]
    finally:
        servers.stop_all()
    print("| language | replies | median | p90 | max | MORE page median | MORE max |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        f, m = r["first_reply"], r["more_page"]
        print(f"| {r['language']} | {f['n']} | {f['median']} | {f['p90']} | {f['max']} | {m['median']} | {m['max']} |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
