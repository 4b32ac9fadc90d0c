"""The safety net that does not depend on the NLU model, the action server or Rasa at all.

`is_danger` is a deterministic check run by every channel on every raw message, so that a person
in immediate danger gets 999 and the Silent Solution even if the model misclassifies them or a
component is down. Every language's patterns run on every message (English here, the others in
data/safety/<code>.yml); `danger_language` says whose matched. `response_text` gives the fixed
texts the channels need in the conversation's language (bot.i18n), falling back to the English
of domain.yml, and to a last-resort built-in text if even that fails.
"""
from __future__ import annotations

import functools
import logging
import re
from typing import Dict, List, Optional

import yaml

from bot import safety_words
from bot.paths import DOMAIN_FILE

logger = logging.getLogger(__name__)

# Used only if domain.yml cannot be read: the one message that must never be missing.
LAST_RESORT_DANGER = (
    "If you are in danger now, call 999. If you cannot speak, call 999, then press 55 "
    "on a mobile when asked. On a landline, stay on the line and cough or tap. "
    "Thinking of ending your life? Samaritans: 116 123, free, 24/7. Nobody reads this chat live."
)
# The Silent Solution as the answer must give it, in any language: 999, then 55 shortly after.
# A bare "55" is not enough: Crimestoppers' 0800 555 111 contains it, hence the digit guards.
_SILENT_SOLUTION_RE = re.compile(r"(?<!\d)999(?!\d)[^\d]{0,120}(?<!\d)55(?!\d)", re.DOTALL)

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
    r"(?<!not an )(?<!not a )(?<!non-)(?<!non )(?<!no )(?<!vos )(?<!kya ye )(?<!kya yeh )\b(?:emergency|sos|help me now|help now|need help now|please help quick|urgent help|hurry)\b"
    # ... and not "emergency nahi hai" (Roman Urdu) or "emergency না" (Bengali): "not an emergency".
    r"(?!\s+(?:nahi|nai|nhi|nahin|nahi hai|না|নয়|نہیں)(?!\w))",
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


_normalise = safety_words.normalise


def danger_language(text: str) -> Optional[str]:
    """The code of the first language whose danger patterns match the raw message, or None."""
    if not isinstance(text, str) or not text:
        return None
    text = _normalise(text[:5000])
    if _DANGER_RE.search(text) or _BARE_HELP_RE.match(text):
        return "en"
    for words in safety_words.all_languages():
        if words.is_danger(text):
            return words.code
    return None


def is_danger(text: str) -> bool:
    """True if the raw message says the person is in immediate danger (deterministic)."""
    return danger_language(text) is not None


def _is_command(text: str, kind: str) -> bool:
    if not isinstance(text, str) or len(text) > 80:
        return False
    form = safety_words.command_form(text)
    return bool(form) and any(form in getattr(words, kind) for words in safety_words.all_languages())


def is_forget_command(text: str) -> bool:
    """True if the whole message is a request to erase this conversation, in any language."""
    if not isinstance(text, str) or len(text) > 80:
        return False
    return bool(_FORGET_RE.match(_normalise(text))) or _is_command(text, "forget")


def is_more_command(text: str) -> bool:
    """True if the whole message asks for the rest of a long SMS answer ("MORE"), in any language."""
    return _is_command(text, "more")


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


def _english(name: str) -> str:
    texts = _domain_responses().get(name)
    if texts:
        return texts[0]
    raise KeyError(name)


def response_text(name: str, language: Optional[str] = None) -> str:
    """The first variation of a response in `language` (English if it has no servable
    translation), placeholders filled; the built-in danger text if even that fails."""
    try:
        from bot.i18n import catalog  # the translations; imported late, they read files

        return catalog.fill(catalog.text(name, language))
    except Exception as exc:  # the safety net itself must never fail: fall back to the domain
        logger.error("Response %s not available in translation (%s)", name, type(exc).__name__)
    try:
        from bot.i18n.catalog import fill

        return fill(_english(name))
    except Exception as exc:
        logger.error("Response %s could not be read from the domain (%s)", name, type(exc).__name__)
    return LAST_RESORT_DANGER


def danger_messages(language: Optional[str] = None) -> List[Dict[str, str]]:
    """The emergency answer as channel messages: 999, Silent Solution, non-police helplines."""
    msgs = [{"text": response_text("utter_danger", language)}]
    more = response_text("utter_danger_more", language)
    if more != LAST_RESORT_DANGER:
        msgs.append({"text": more})
    return msgs


def contains_emergency_numbers(messages: List[Dict[str, str]]) -> bool:
    """True if the answer already gives 999 and the Silent Solution (999, then 55), in any language."""
    joined = " ".join(str(m.get("text") or "") for m in messages)
    return bool(_SILENT_SOLUTION_RE.search(joined))
