"""Privacy tools: redaction of personal data (redaction.py) and pseudonymous sender ids."""

from bot.privacy.redaction import redact, warm_up

__all__ = ["redact", "warm_up"]
