"""SMS pages: segment counting as carriers do it, and what the first page must hold."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import safety
from bot.channels import sms_pages
from bot.channels.sms_pages import MAX_SEGMENTS, PAGE_SEGMENTS, paginate, segments

HINT = "Reply MORE for the rest of this answer."
SERVICES = ("Services that can help:\nNational Domestic Abuse Helpline: 0808 2000 247 (24/7, free).\n"
            "Southall Black Sisters: 020 8571 9595 (Mon-Fri 9am-5pm).")


def test_segments_follow_gsm7_and_ucs2_limits():
    assert segments("") == 0
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("a" * 306) == 2
    assert segments("a" * 307) == 3
    assert segments("€" * 80) == 1 and segments("€" * 81) == 2  # extension characters count twice
    assert segments("ą" * 70) == 1 and segments("ą" * 71) == 2 and segments("ą" * 134) == 2
    assert segments("ب" * 135) == 3
    assert segments("😀" * 35) == 1 and segments("😀" * 36) == 2  # two UTF-16 units each


def test_a_diacritic_makes_the_whole_message_ucs2():
    assert sms_pages.is_gsm7("Cafe 999") and not sms_pages.is_gsm7("Zadzwoń pod 999")


def test_first_page_has_the_core_point_and_a_service_and_the_rest_follows():
    texts = [safety.response_text("utter_report_no_papers"), safety.response_text("utter_police_may_share"),
             SERVICES, safety.response_text("utter_menu")]
    first, later = paginate(texts, HINT)
    assert first.startswith("You can still report a crime")
    assert "0808 2000 247" in first and first.endswith(HINT)
    assert segments(first) <= PAGE_SEGMENTS + 1 and later
    assert all(segments(p) <= MAX_SEGMENTS for p in later)
    assert not later[-1].endswith(HINT)
    shown = " ".join([first] + later).replace(HINT, " ")
    assert sorted(shown.split()) == sorted(" ".join(texts).split())


def test_danger_answer_is_never_cut_in_any_language():
    for language in (None, "pl", "ur", "ar", "bn", "vi"):
        texts = [m["text"] for m in safety.danger_messages(language)] + [SERVICES]
        first, later = paginate(texts, HINT, danger=True)
        assert first.startswith(texts[0].split("\n")[0]) and texts[0].replace("\n", " ") in first.replace("\n", " ")
        assert safety.contains_emergency_numbers([{"text": first}])
        assert segments(first) <= MAX_SEGMENTS, (language, segments(first))


def test_a_heading_is_not_left_at_the_end_of_a_page():
    first, later = paginate(["x " * 200 + "end.", "Services that can help:\nA: 0808 2000 247."], HINT)
    assert not first.replace(HINT, "").rstrip().endswith(":")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab .:\nąب0")), max_size=600), max_size=5))
def test_every_page_is_within_the_limit_and_no_word_is_lost(texts):
    first, later = paginate(texts, HINT)
    pages = [first] + later
    assert all(segments(p) <= MAX_SEGMENTS for p in pages)
    shown = " ".join(pages).replace(HINT, " ")
    assert "".join(shown.split()) == "".join(" ".join(texts).split())
