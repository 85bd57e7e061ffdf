"""A reviewer's wording keeps the names it still says, in any spelling, and reads its own figures."""

from __future__ import annotations

from claims.extraction.drafting import facts_of_wording

KNOWN = [
    {"key": "alibaqerikani", "name": "Ali Baqeri Kani"},
    {"key": "us", "name": "US"},
    {"key": "doha", "name": "Doha"},
]


def test_a_name_in_another_spelling_is_kept_with_its_key() -> None:
    facts = facts_of_wording("Ali Bagheri Kani met officials in Doha", None, KNOWN)

    assert [e["key"] for e in facts.entities] == ["alibaqerikani", "doha"]


def test_a_short_name_inside_a_word_is_not_a_mention() -> None:
    assert facts_of_wording("Officials usually brief reporters", None, KNOWN).entities == []


def test_figures_come_from_the_new_words() -> None:
    facts = facts_of_wording("Nearly 40,000 people were killed", None, KNOWN)

    assert [(q["value"], q["qualifier"], q["event"]) for q in facts.quantities] == [(40000.0, "nearly", "killed")]
