"""Why a machine link was made, as the claim page says it: the threshold that fired, in words that are true."""

from __future__ import annotations

from claims.selectors.claim_details import link_why


def details(threshold: dict[str, object], decision: str = "suggested") -> dict[str, object]:
    return {"decision": decision, "threshold": threshold, "signals": {"cosine": 0.58, "support_probability": 0.71}}


def test_a_suggestion_of_the_support_head_names_its_probability_and_who_links_automatically():
    why = link_why(details({"name": "lower", "value": 0.4, "upper": 0.95, "lower": 0.4, "cosine_lower": 0.62,
                            "basis": "support"}), 0.71)  # fmt: skip

    assert why is not None
    assert why.summary == (
        "support probability 0.71 reached the lower threshold 0.40: suggested for review "
        "(automatic links need the paraphrase probability to reach 0.95)"
    )
    assert ("Support probability (calibrated)", "0.71") in why.signals


def test_a_suggestion_kept_by_the_cosine_under_the_support_head_says_so():
    why = link_why(details({"name": "lower", "value": 0.62, "upper": 0.95, "lower": 0.62, "cosine_lower": 0.62,
                            "basis": "support+cosine"}), 0.12)  # fmt: skip

    assert why is not None
    assert why.summary.startswith("support probability 0.12; the cosine reached the lower threshold 0.62")


def test_a_suggestion_read_as_the_same_fact_below_the_cosine_rule_says_where_it_was_read_so():
    why = link_why(details({"name": "lower", "value": 0.4, "upper": 0.95, "lower": 0.4, "cosine_lower": 0.62,
                            "basis": "support+same", "same_at": 0.36, "same_fact": True}), 0.12)  # fmt: skip

    assert why is not None
    assert why.summary.startswith(
        "support probability 0.12; the paraphrase probability reached 0.36, where a pair reads as the same fact"
    )


def test_a_calibrated_suggestion_read_as_the_same_fact_says_so():
    why = link_why(details({"name": "lower", "value": 0.62, "upper": 0.95, "lower": 0.62, "cosine_lower": 0.62,
                            "basis": "same", "same_at": 0.36}), 0.52)  # fmt: skip

    assert why is not None
    assert why.summary == (
        "link probability 0.52 reached 0.36, where a pair reads as the same fact: suggested for review"
    )
