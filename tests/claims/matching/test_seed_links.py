"""The five seed articles: a claim linked to its support, the death tolls as conflicting figures, two calls apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from claims.extraction.drafting import ClaimDraft, SentenceInput, draft_article
from claims.matching import scoring
from claims.matching.linking import Item, Link, Matcher, different_events, item_from_draft, near_duplicate_groups
from claims.matching.semantic import encoder
from sources.text.cleaning import clean_text
from sources.text.segmentation import segment

SEED_DIR = Path(__file__).resolve().parents[3] / "samples" / "seed"


@pytest.fixture(scope="module")
def seed() -> tuple[list[tuple[str, ClaimDraft]], list[Item], list[Link]]:
    drafted: list[tuple[str, ClaimDraft]] = []
    for path in sorted(SEED_DIR.glob("*.txt")):
        segments = segment(clean_text(path.read_text(encoding="utf-8")))
        results = draft_article([SentenceInput(s.text, s.kind.value, s.paragraph) for s in segments])
        drafted.extend((path.name[:3], claim) for result in results for claim in result.claims)
    vectors = encoder().encode([d.text for _, d in drafted])
    items = [item_from_draft(n, article, d, vectors[n]) for n, (article, d) in enumerate(drafted)]
    return drafted, items, Matcher().link(items)


def find(drafted: list[tuple[str, ClaimDraft]], article: str, words: str) -> int:
    return next(n for n, (a, d) in enumerate(drafted) if a == article and words.lower() in d.text.lower())


def test_hamas_refusal_is_linked_to_the_other_outlets_report(seed):
    drafted, _, links = seed
    claim = find(drafted, "000", "refused to send a delegation")
    support = find(drafted, "003", "Hamas has refused to participate in these talks")
    link = next(link for link in links if {link.a, link.b} == {claim, support})
    assert link.decision.stance == "supports"
    assert link.decision.decision in {"auto", "suggested"}
    assert link.decision.method == "semantic"
    assert "semantic" in link.via
    assert drafted[support][1].spans  # the exact span of the supporting text in its sentence


@pytest.mark.parametrize(
    ("article", "figure"),
    [
        ("004", "8,005"),
        ("004", "beyond 8,000"),
        ("002", "30,000"),
        ("001", "37,945"),
        ("003", "nearly 40,000"),
        ("000", "over 40,000"),
    ],
)
def test_each_death_toll_is_linked_as_a_conflicting_figure(seed, article, figure):
    drafted, _, links = seed
    conflicting = [
        link
        for link in links
        if link.decision.method == "figure"
        and link.decision.stance == "contradicts"
        and any(drafted[n][0] == article and figure in drafted[n][1].text for n in (link.a, link.b))
    ]
    assert conflicting
    for link in conflicting:
        assert drafted[link.a][0] != drafted[link.b][0]  # across outlets, never within one article
        assert "killed" in link.decision.signals["quantities"]["events_conflicting"]


def test_the_eight_thousands_of_one_article_are_the_same_figure():
    a = scoring.features("At least 8,005 Palestinians have been killed by Israel since October 7.")
    b = scoring.features("the death toll beyond 8,000, nearly half of which children")
    assert scoring.compare_quantities(a.quantities, b.quantities)["status"] == "agree"


def test_the_thursday_and_sunday_calls_are_not_merged(seed):
    drafted, items, links = seed
    thursday = find(drafted, "002", "telephone conversation on Thursday")
    sunday = find(drafted, "004", "telephone conversation on Sunday")
    decision = scoring.compare(items[thursday].features, items[sunday].features)
    assert decision.decision == "none"
    assert decision.signals["dates"]["status"] == "conflict"
    assert not any({link.a, link.b} == {thursday, sunday} for link in links)
    # Pairs told apart by their dates, among the candidates and this pair itself.
    apart = different_events(Matcher().scored(items)) | {(min(thursday, sunday), max(thursday, sunday))}
    for level in ("auto", "suggested"):
        groups = near_duplicate_groups(range(len(items)), links, level, apart)
        assert not any(thursday in g and sunday in g for g in groups)


def test_no_pair_from_one_article_is_linked(seed):
    drafted, _, links = seed
    assert links
    assert all(drafted[link.a][0] != drafted[link.b][0] for link in links)
