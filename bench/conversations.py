"""Scripted conversations over the assistant's topics, as people write them (lower case,
misspellings, some personal details that the redactor must catch). Only invented data:
names from no real case, numbers from Ofcom's drama range, postcodes of no real address."""
from __future__ import annotations

import itertools
import random
from typing import Iterator, List, Tuple

SCRIPTS: List[Tuple[str, List[str]]] = [
    ("greeting", [
        "hi",
        "what can you do",
        "is a person reading this",
        "thank you",
        "bye",
    ]),
    ("police data sharing", [
        "hello",
        "will the police tell the home office if i report",
        "i have no papers, my visa expired last year",
        "will i be deported if i go to police",
        "can i report anonymously",
        "thanks",
    ]),
    ("visa/partner", [
        "hi there",
        "my visa depends on my husband and he hits me",
        "his name is Daniel Okafor, he says he will send me back",
        "i need a solicitor",
        "are there groups that help migrant women",
        "thank you so much",
    ]),
    ("nation", [
        "hello",
        "i dont want to go to the police, what else can i do",
        "i live in scotland",
        "what are my rights as a victim",
        "bye",
    ]),
    ("services", [
        "hey",
        "where can i get legal advice",
        "im in wales, near CF10 1AA",
        "can i see a doctor, will i have to pay for hospital",
        "is there a charity for migrant women",
        "you can text me on 07700 900123",
        "thanks",
    ]),
    ("danger", [
        "help",
        "he is hitting me and i am scared",
        "he checks my phone",
        "how do i delete the messages on my phone",
        "forget me",
    ]),
]


def language_scripts() -> List[Tuple[str, List[str]]]:
    """One conversation per other language (tests/data/conversation_<code>.yml): the benchmark
    runs a mix of languages, as the service will."""
    from pathlib import Path

    import yaml

    folder = Path(__file__).resolve().parent.parent / "tests" / "data"
    scripts = []
    for path in sorted(folder.glob("conversation_*.yml")):
        lines = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        scripts.append((f"language {path.stem.split('_', 1)[1]}",
                        [str(lines[k]) for k in ("status", "legal_help", "danger") if lines.get(k)]))
    return scripts


SCRIPTS += language_scripts()


def conversation_stream(seed: int = 7) -> Iterator[Tuple[str, List[str]]]:
    """Endless (topic, messages): every script once per round, rounds in a seeded order, so both
    servers receive exactly the same conversations in the same order."""
    rng = random.Random(seed)
    for _ in itertools.count():
        round_ = list(SCRIPTS)
        rng.shuffle(round_)
        yield from round_
