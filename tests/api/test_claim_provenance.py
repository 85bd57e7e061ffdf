"""A claim's provenance over the API: its group, how each link was scored, withdrawn links, conflicting figures."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import Claim, Evidence, EvidenceDecisionChoice, EvidenceMethod, LinkStrength, Stance
from claims.services import groups as group_services
from claims.services import reviews as review_services
from sources.models import Article
from tests.api.conftest import API, assert_error_shape
from tests.api.helpers import streamed_text

SCORING = {"signals": {"lexical": 0.71, "semantic": 0.88}, "threshold": "auto", "upper": 0.8, "lower": 0.6}


def ships(newsroom: dict[str, Any], name: str) -> Claim:
    return Claim.objects.get(article=newsroom["articles"][name], text__contains="ships were inspected")


def matched(claim: Claim, other: Claim, **fields: Any) -> Evidence:
    """A machine link from ``claim`` to the span of ``other`` in another article, as the matcher stores it."""
    span = other.spans.get()
    defaults: dict[str, Any] = {
        "stance": Stance.SUPPORTS, "method": EvidenceMethod.SEMANTIC, "strength": LinkStrength.AUTO, "score": 0.88,
        "details": SCORING,
    }  # fmt: skip
    return Evidence.objects.create(
        claim=claim, sentence=span.sentence, start=span.start, end=span.end, via_claim=other, **{**defaults, **fields}
    )


def get_claim(client: APIClient, claim: Claim, **params: Any) -> dict[str, Any]:
    response = client.get(f"{API}/claims/{claim.pk}/", params)
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def test_claim_detail_shows_how_each_link_was_found_and_its_group(
    as_viewer: APIClient, newsroom: dict[str, Any], reviewer: User
):
    one, two, three = (ships(newsroom, f"test-{n}.txt") for n in (1, 2, 3))
    link = matched(one, two)
    assert get_claim(as_viewer, one)["group"] is None
    group = group_services.group_create(claim_ids=[one.pk, two.pk, three.pk], user=reviewer)

    data = get_claim(as_viewer, one)
    assert data["group"] == {"id": group.pk, "version": group.version, "canonical": one.pk, "size": 3}
    assert data["quantities"][0]["value"] == 201
    origin, found = data["evidence"]
    assert (origin["method"], origin["strength"], origin["via_claim"]) == ("origin", "given", None)
    assert found == {
        "id": link.pk, "claim": one.pk, "sentence": link.sentence_id, "article": two.article_id,
        "start": link.start, "end": link.end, "quote": two.text, "stance": "supports", "method": "semantic",
        "strength": "auto", "score": 0.88, "details": SCORING, "via_claim": two.pk, "decision": "pending",
        "withdrawn_at": None,
    }  # fmt: skip


def test_withdrawn_links_are_hidden_unless_asked_for_and_never_deleted(as_viewer: APIClient, newsroom: dict[str, Any]):
    one, two = ships(newsroom, "test-1.txt"), ships(newsroom, "test-2.txt")
    link = matched(one, two, strength=LinkStrength.SUGGESTED, withdrawn_at=timezone.now())
    assert link.pk not in {e["id"] for e in get_claim(as_viewer, one)["evidence"]}
    shown = get_claim(as_viewer, one, include_withdrawn="true")["evidence"]
    assert [e["withdrawn_at"] is not None for e in shown if e["id"] == link.pk] == [True]

    def listed(**params: str) -> set[int]:
        query: dict[str, Any] = {"claim": one.pk, **params}
        return {e["id"] for e in as_viewer.get(f"{API}/evidence/", query).json()["results"]}

    assert link.pk not in listed()
    assert link.pk in listed(include_withdrawn="true")
    # Named by id it is still there, so a reviewer's decision on it can be read back.
    assert as_viewer.get(f"{API}/evidence/{link.pk}/").json()["withdrawn_at"] is not None
    assert_error_shape(as_viewer.get(f"{API}/claims/{one.pk}/", {"include_withdrawn": "sometimes"}), 400, "invalid")
    assert_error_shape(as_viewer.get(f"{API}/evidence/", {"include_withdrawn": "yes please"}), 400, "invalid")


def test_claims_filter_by_conflicting_figures(as_viewer: APIClient, newsroom: dict[str, Any]):
    one, two, three = (ships(newsroom, f"test-{n}.txt") for n in (1, 2, 3))

    def ids(**params: Any) -> set[int]:
        return {c["id"] for c in as_viewer.get(f"{API}/claims/", {"page_size": 200, **params}).json()["results"]}

    assert ids(has_conflicting_figures="true") == set()
    figure = {"method": EvidenceMethod.FIGURE, "stance": Stance.CONTRADICTS}
    matched(one, two, **figure)
    rejected = matched(three, two, **figure)
    Evidence.objects.filter(pk=rejected.pk).update(decision=EvidenceDecisionChoice.REJECTED)
    matched(two, three, **figure, withdrawn_at=timezone.now())
    assert ids(has_conflicting_figures="true") == {one.pk}
    assert ids(has_conflicting_figures="false") == set(Claim.objects.values_list("id", flat=True)) - {one.pk}
    assert ids(has_conflicting_figures="true", article=one.article_id) == {one.pk}
    exported = as_viewer.get(f"{API}/export/claims.jsonl", {"has_conflicting_figures": "true"})
    assert [json.loads(line)["id"] for line in streamed_text(exported).splitlines()] == [one.pk]
    assert_error_shape(as_viewer.get(f"{API}/claims/", {"has_conflicting_figures": "2"}), 400, "invalid")


def test_claimreview_cites_only_standing_supporting_links(
    as_viewer: APIClient, newsroom: dict[str, Any], reviewer: User
):
    one, two, three = (ships(newsroom, f"test-{n}.txt") for n in (1, 2, 3))
    suggestion = matched(one, two, strength=LinkStrength.SUGGESTED)
    matched(one, three, withdrawn_at=timezone.now())
    review_services.review_record(claim_id=one.pk, reviewer=reviewer, verdict="corroborated", rationale="Port data.")

    def appearance() -> list[dict[str, Any]]:
        doc = as_viewer.get(f"{API}/claims/{one.pk}/claimreview/").json()
        return list(doc["itemReviewed"]["appearance"])

    for claim in (one, two, three):
        Article.objects.filter(pk=claim.article_id).update(url=f"https://news.example/{claim.article_id}")
    own = f"https://news.example/{one.article_id}"
    assert [a["url"] for a in appearance()] == [own]
    review_services.evidence_decide(evidence_id=suggestion.pk, reviewer=reviewer, decision="confirmed", note="")
    assert [a["url"] for a in appearance()] == [own, f"https://news.example/{two.article_id}"]
    annotated = as_viewer.get(f"{API}/claims/{one.pk}/annotations/").json()["items"]
    assert len(annotated) == 2  # origin and the confirmed link; the withdrawn one is left out


def test_claim_detail_sums_up_who_reports_it_and_who_reported_it_first(as_viewer: APIClient, newsroom: dict[str, Any]):
    one, two, three = (ships(newsroom, f"test-{n}.txt") for n in (1, 2, 3))
    supporting = matched(one, three)  # Coast Courier, March
    contradicting = matched(one, two, method=EvidenceMethod.FIGURE, stance=Stance.CONTRADICTS)  # Daily Ledger, Feb
    terminal = Claim.objects.get(article=two.article_id, text__startswith="The new terminal")
    matched(one, terminal, withdrawn_at=timezone.now())  # withdrawn: no report
    summary = get_claim(as_viewer, one)["corroboration"]
    assert (summary["supporting_outlets"], summary["contradicting_outlets"]) == (2, 1)
    assert 1 <= summary["independent_supporting"] <= 2
    assert summary["unnamed_outlets"] == 0
    origin = one.evidence.get(method=EvidenceMethod.ORIGIN)
    # In publication order: the claim's own article (January), the contradiction (February), March.
    assert [(r["evidence"], r["stance"]) for r in summary["reports"]] == [
        (origin.pk, "supports"), (contradicting.pk, "contradicts"), (supporting.pk, "supports"),
    ]  # fmt: skip
    first = summary["first_appearance"]
    assert (first["article"], first["outlet"], first["published_at"]) == (
        one.article_id, "Daily Ledger", "2024-01-10T00:00:00Z",
    )  # fmt: skip
    assert summary["reports"][2]["article_title"] == "Harbour report number 3"


def test_claim_detail_gives_names_with_their_keys_and_figures_with_range_and_date(
    as_viewer: APIClient, newsroom: dict[str, Any]
) -> None:
    claim = ships(newsroom, "test-1.txt")

    data = get_claim(as_viewer, claim)

    assert {(e["name"], e["key"]) for e in data["entities"]} == {
        (str(e["name"]), str(e["key"])) for e in claim.entities
    }
    [figure] = [f for f in data["figures"] if f["value"] == 201.0]
    assert (figure["low"], figure["high"], figure["qualifier"]) == (201.0, 201.0, "exact")
    # "last year" names no day: the figure describes the publication date.
    assert figure["as_of"] == "2024-01-10"
