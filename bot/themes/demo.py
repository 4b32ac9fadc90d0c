"""Plausible synthetic counts for demonstrating the report (docs/themes-report.png). Not real data."""
from __future__ import annotations

import math
import random
from datetime import date, timedelta
from pathlib import Path

from . import store
from .vocabulary import THEME_RAISED, Vocabulary
from .weeks import iso_week

# Weekly conversations per theme (both channels together) at the start of the period, and the
# outcomes that plausibly follow it.
_BASE = {
    "fear_of_data_sharing": (34, ["explained_data_sharing", "pointed_to_legal_advice", "pointed_to_anonymous_reporting"]),
    "domestic_abuse": (26, ["gave_helplines", "pointed_to_specialist_group", "gave_emergency_numbers"]),
    "visa_tied_to_partner": (15, ["pointed_to_legal_advice", "pointed_to_specialist_group"]),
    "immediate_danger": (11, ["gave_emergency_numbers", "gave_helplines"]),
    "trafficking_or_exploitation": (8, ["gave_helplines", "explained_data_sharing"]),
    "options_without_police": (12, ["explained_options_without_police", "pointed_to_anonymous_reporting"]),
    "legal_or_immigration_advice": (9, ["pointed_to_legal_advice"]),
    "phone_and_privacy_safety": (7, ["gave_phone_safety_advice", "conversation_erased"]),
    "hate_crime": (4, ["pointed_to_anonymous_reporting"]),
    "sexual_violence": (4, ["gave_helplines"]),
    "forced_marriage_or_honour_abuse": (3, ["pointed_to_specialist_group"]),
    "language_needs": (5, ["gave_helplines"]),
    "health_care": (3, []),
}
# Weekly conversations per detected language at the start of the period.
_LANGUAGES = {"en": 60, "pl": 9, "ro": 8, "pt": 4, "es": 3, "ur": 5, "ur-Latn": 4, "pa": 3, "ar": 4, "bn": 3,
              "sq": 2, "vi": 2, "other": 3}


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def fill_demo(path: Path | str, vocab: Vocabulary, last_monday: date, weeks: int = 12, seed: int = 7) -> None:
    rng = random.Random(seed)
    counts: dict[store.Key, int] = {}
    languages: dict[store.LanguageKey, int] = {}
    for w in range(weeks):
        week = iso_week(last_monday - timedelta(days=7 * (weeks - 1 - w)))
        for theme, (base, outcomes) in _BASE.items():
            if theme not in vocab.themes:
                continue
            trend = 1 + 0.5 * math.sin(w / 2.5 + len(theme)) * (0.6 if base > 10 else 1)
            if theme == "visa_tied_to_partner":
                trend *= 1 + w / weeks  # a rising worry, as a report might show
            for channel, share in (("webchat", 0.65), ("twilio", 0.35)):
                raised = _poisson(rng, base * trend * share)
                if not raised:
                    continue
                counts[(week, channel, theme, THEME_RAISED)] = raised
                for outcome in outcomes:
                    given = sum(rng.random() < 0.55 for _ in range(raised))
                    if given and outcome in vocab.outcomes:
                        counts[(week, channel, theme, outcome)] = given
        for language, base in _LANGUAGES.items():
            conversations = _poisson(rng, base)
            if conversations and language in vocab.languages:
                languages[(week, language)] = conversations
    store.add_counts(path, counts, vocab, languages)
