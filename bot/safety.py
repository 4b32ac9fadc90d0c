"""The safety net that does not depend on the NLU model, the action server or Rasa at all.

`is_danger` is a deterministic check run by every channel on every raw message, so that a person
in immediate danger gets 999 and the Silent Solution even if the model misclassifies them or a
component is down. `response_text` reads the fixed texts the channels need straight from
domain.yml, with a last-resort built-in text if even that fails.
"""
from __future__ import annotations

import functools
import logging
import re
import unicodedata
from typing import Dict, List

import yaml

from bot.paths import DOMAIN_FILE

logger = logging.getLogger(__name__)

# Used only if domain.yml cannot be read: the one message that must never be missing.
LAST_RESORT_DANGER = (
    "If you are in danger now, call 999. If you cannot speak, call 999, then press 55 "
    "on a mobile when asked. On a landline, stay on the line and cough or tap. "
    "Thinking of ending your life? Samaritans: 116 123, free, 24/7. Nobody reads this chat live."
)
# The Silent Solution as the answer must give it: 999, then 55 pressed on a mobile. A bare
# "55" is not enough: Crimestoppers' 0800 555 111 contains it.
_SILENT_SOLUTION_RE = re.compile(r"\b999\b[^.]{0,20}\bthen press 55\b", re.IGNORECASE)

_WHO = r"(?:he|she|they|some ?one|somebody|my (?:husband|wife|partner|boyfriend|girlfriend|ex|dad|father|mother|mum|brother|uncle|boss|employer|family|in-?laws?))"
_HURT = r"(?:hit+ing|beat+ing|beatin|hurt+ing|at+ack+ing|chok+ing|strang(?:l|ul)ing|kick+ing|punch+ing|stab+ing|rap+ing|grab+ing|slap+ing|burn+ing|push+ing|drag+ing|throw+ing things at)"
_DANGER_PATTERNS = [
    rf"\b{_WHO}\s*(?:'s|'re|is|are|s|r)?\s+(?:still\s+)?{_HURT}\b",
    rf"\b{_HURT}\s+me\b",
    r"\b(?:going to|gonna|gona|will|wil|want(?:s)? to|wants? 2|threaten(?:ed|ing|s)? to|try(?:ing)? to)\s+(?:kil+|murder|stab|shoot|hurt|beat|burn)\s+(?:me|us|my)\b",
    r"\bkil+ (?:me|us)\b",
    r"\b(?:has|got|have|holding|with|carrying)\s+(?:a\s+|an\s+)?(?:knife|knives|gun|weapon|machete|acid|hammer|axe|bat|screwdriver|iron bar|broken bottle)\b",
    r"\blocked\s+(?:me\s+|us\s+)?(?:in|inside|up)\b",
    r"\b(?:can'?t|cannot|cant|not allowed to|won'?t let me)\s+(?:get out|escape|leave the (?:house|room|flat|building))\b",
    rf"\b{_WHO}\s*(?:'s|'re|is|are|s)?\s+(?:coming|outside|at the door|breaking in|back)\b.*\b(?:scared|afraid|help|danger|hurt|kill)\b",
    r"\b(?:breaking|broke|break)\s+(?:in|the door)\b",
    # "not an emergency", "non-emergency", "nobody is in danger" say the opposite: not danger.
    r"(?<!nobody is )(?<!no one is )(?<!noone is )(?<!not )\b(?:in danger|not safe (?:right )?now|i(?:'m| am|m) not safe|unsafe right now|fear(?:ing)? for my life|scared for my life|afraid for my life)\b",
    r"(?<!not an )(?<!not a )(?<!non-)(?<!non )(?<!no )\b(?:emergency|sos|help me now|help now|need help now|please help quick|urgent help|hurry)\b",
    r"\b(?:kill myself|killing myself|suicid\w*|end my life|take my (?:own )?life)\b",
    r"\b(?:bleeding|can'?t breathe|cannot breathe|unconscious|blood everywhere|covered in blood|lots of blood)\b",
    # Injuries just done to the person: "he just stabbed me", "he has cut me", "she burned me".
    r"\b(?:just|has|have|'s|is)\s+(?:stab+ed|cut|burn(?:ed|t)|strangled|choked|punched|kicked|hit|beaten|beat)\s+me\b",
    r"\b(?:stab+ed|cut|burn(?:ed|t)|strangled|choked)\s+me\b.*\b(?:now|help|blood|bleeding)\b",
]
_DANGER_RE = re.compile("|".join(f"(?:{p})" for p in _DANGER_PATTERNS), re.IGNORECASE)
# A message that is nothing but a call for help.
_BARE_HELP_RE = re.compile(r"^\W*(?:help|help me|plz help|please help|pls help|helpp+)\W*$", re.IGNORECASE)

# The intent of an erasure request: the channel sends "/forget_me" (Rasa reads a leading "/" as an
# intent name and skips the NLU), the tracker store deletes the conversation when it sees it.
FORGET_INTENT = "forget_me"

# "delete" / "forget me" as a whole message erases the conversation. Only whole, short commands:
# "how do I delete the texts on my phone?" is a question about phone safety, not an erasure.
# STOP, END, CANCEL, QUIT and UNSUBSCRIBE are deliberately absent: Twilio treats them as opt-outs.
_FORGET_RE = re.compile(
    r"^\W*(?:please\s+)?(?:"
    r"delete|erase|forget me|forget|forget (?:this|everything|this chat|this conversation|what i said)"
    r"|(?:delete|erase|clear|wipe|remove)\s+(?:this|it|all|everything|my data|my messages|this chat|the chat|"
    r"this conversation|the conversation|my conversation|my chat|what i said|all my messages)"
    r")\W*(?:now|please|pls|plz)?\W*$",
    re.IGNORECASE,
)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'")
    return " ".join(text.split())


def is_danger(text: str) -> bool:
    """True if the raw message says the person is in immediate danger (deterministic)."""
    if not isinstance(text, str) or not text:
        return False
    text = _normalise(text[:5000])
    return bool(_DANGER_RE.search(text) or _BARE_HELP_RE.match(text))


def is_forget_command(text: str) -> bool:
    """True if the whole message is a request to erase this conversation."""
    if not isinstance(text, str) or len(text) > 80:
        return False
    return bool(_FORGET_RE.match(_normalise(text)))


@functools.lru_cache(maxsize=1)
def _domain_responses() -> Dict[str, List[str]]:
    with open(DOMAIN_FILE, encoding="utf-8") as f:
        domain = yaml.safe_load(f) or {}
    responses = domain.get("responses") or {}
    return {
        name: [v["text"] for v in variations if isinstance(v, dict) and v.get("text")]
        for name, variations in responses.items()
        if isinstance(variations, list)
    }


def response_text(name: str) -> str:
    """The first variation of a domain response; the built-in danger text if it is missing."""
    try:
        texts = _domain_responses().get(name)
        if texts:
            return texts[0]
        logger.error("Response %s is missing from the domain", name)
    except Exception as exc:  # the safety net itself must never fail
        logger.error("Could not read domain responses (%s)", type(exc).__name__)
    return LAST_RESORT_DANGER


def danger_messages() -> List[Dict[str, str]]:
    """The emergency answer as channel messages: 999, Silent Solution, non-police helplines."""
    msgs = [{"text": response_text("utter_danger")}]
    more = response_text("utter_danger_more")
    if more != LAST_RESORT_DANGER:
        msgs.append({"text": more})
    return msgs


def contains_emergency_numbers(messages: List[Dict[str, str]]) -> bool:
    """True if the answer already gives 999 and the Silent Solution (999, then press 55)."""
    joined = " ".join(str(m.get("text") or "") for m in messages)
    return bool(_SILENT_SOLUTION_RE.search(joined))
