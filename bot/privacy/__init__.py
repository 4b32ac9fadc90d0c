"""Privacy tools: language detection and redaction of personal data in every supported
language (redaction.py, detect.py, multilingual.py), and pseudonymous sender ids."""

from bot.privacy.detect import detect as detect_language
from bot.privacy.redaction import redact, warm_up

__all__ = ["detect_language", "redact", "warm_up"]
