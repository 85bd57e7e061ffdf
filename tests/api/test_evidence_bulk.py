"""Several evidence links of one claim decided at once over the API, and hand links in the Web Annotation output."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims.models import Claim, Evidence, EvidenceDecision, EvidenceMethod, Stance
from claims.services import reviews as review_services
from claims.services.hand_links import evidence_link_selection
from sources.models import Article
from tests.api.conftest import API, assert_error_shape

URL = f"{API}/evidence/decisions/"


@pytest.fixture
def claim(newsroom: dict[str, Any]) -> Claim:
    found = Claim.objects.filter(article=newsroom["articles"]["test-1.txt"]).order_by("id").first()
    assert found is not None
    return found


@pytest.fixture
def links(claim: Claim, newsroom: dict[str, Any]) -> list[Evidence]:
    """A pending machine link of ``claim`` to each sentence of another article."""
    article: Article = newsroom["articles"]["test-3.txt"]
    sentences = article.sentences.order_by("position")[:3]
    made = {"stance": Stance.SUPPORTS, "method": EvidenceMethod.SEMANTIC, "score": 0.6}
    return [Evidence.objects.create(claim=claim, sentence=s, start=s.start, end=s.end, **made) for s in sentences]


def etag(claim: Claim) -> str:
    claim.refresh_from_db()
    return f'"claim-{claim.pk}-v{claim.version}"'


def test_a_reviewer_rejects_several_links_with_one_rationale_and_gets_each_result(
    as_reviewer: APIClient, reviewer: User, claim: Claim, links: list[Evidence]
) -> None:
    version = Claim.objects.get(pk=claim.pk).version
    body = {"claim": claim.pk, "evidence": [e.pk for e in links], "decision": "rejected", "note": "Another port."}

    response = as_reviewer.post(URL, body, format="json", HTTP_IF_MATCH=etag(claim))

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["claim"], data["version"]) == (claim.pk, version + 3)
    assert response["ETag"] == f'"claim-{claim.pk}-v{version + 3}"'
    assert [(r["id"], r["decision"]) for r in data["results"]] == [(e.pk, "rejected") for e in links]
    notes = EvidenceDecision.objects.filter(evidence__in=links).values_list("note", "reviewer")
    assert set(notes) == {("Another port.", reviewer.pk)}


def test_a_stale_etag_refuses_the_whole_batch(
    as_reviewer: APIClient, second_reviewer: User, claim: Claim, links: list[Evidence]
) -> None:
    seen = etag(claim)
    review_services.evidence_decide(evidence_id=links[0].pk, reviewer=second_reviewer, decision="confirmed")
    body = {"claim": claim.pk, "evidence": [e.pk for e in links], "decision": "rejected", "note": "No."}

    error = assert_error_shape(as_reviewer.post(URL, body, format="json", HTTP_IF_MATCH=seen), 412, "stale_version")

    assert second_reviewer.username in error["message"]
    assert not EvidenceDecision.objects.filter(evidence__in=links[1:]).exists()


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"evidence": []}, 400),
        ({"evidence": ["1"]}, 400),
        ({"decision": "maybe"}, 400),
        ({"note": ""}, 400),
        ({"note": None}, 400),
    ],
)
def test_a_malformed_batch_is_a_clear_400_and_nothing_is_decided(
    as_reviewer: APIClient, claim: Claim, links: list[Evidence], change: dict[str, Any], status: int
) -> None:
    body = {"claim": claim.pk, "evidence": [e.pk for e in links], "decision": "confirmed", "note": "Same.", **change}

    assert_error_shape(as_reviewer.post(URL, body, format="json", HTTP_IF_MATCH="*"), status)

    assert not EvidenceDecision.objects.filter(evidence__in=links).exists()


def test_rejecting_the_claims_own_source_in_a_batch_refuses_it_and_viewers_cannot_decide(
    as_reviewer: APIClient, as_viewer: APIClient, claim: Claim, links: list[Evidence]
) -> None:
    origin = claim.evidence.get(method=EvidenceMethod.ORIGIN)
    body = {"claim": claim.pk, "evidence": [links[0].pk, origin.pk], "decision": "rejected", "note": "No."}

    error = assert_error_shape(as_reviewer.post(URL, body, format="json", HTTP_IF_MATCH="*"), 400)
    assert "extracted from" in str(error)
    assert_error_shape(as_viewer.post(URL, body, format="json", HTTP_IF_MATCH="*"), 403)
    assert_error_shape(as_reviewer.post(URL, body, format="json"), 428)
    assert not EvidenceDecision.objects.filter(evidence=links[0]).exists()


def test_a_link_made_by_hand_is_a_web_annotation_with_the_selectors_it_stored(
    as_viewer: APIClient, reviewer: User, claim: Claim, newsroom: dict[str, Any]
) -> None:
    article: Article = newsroom["articles"]["test-3.txt"]
    sentence = article.sentences.order_by("position")[1]
    (link,) = evidence_link_selection(
        claim_id=claim.pk,
        article_id=article.pk,
        start=sentence.start,
        end=sentence.end,
        stance="contradicts",
        user=reviewer,
        note="Another figure.",
    )

    items = as_viewer.get(f"{API}/claims/{claim.pk}/annotations/").json()["items"]

    (annotation,) = [a for a in items if a["id"].endswith(f"/evidence/{link.pk}/")]
    assert annotation["target"]["selector"] == link.details["selector"]
    assert annotation["target"]["selector"][0]["exact"] == sentence.text
    assert {"type": "TextualBody", "value": "contradicts", "purpose": "classifying"} in annotation["body"]
    assert {"type": "TextualBody", "value": "confirmed", "purpose": "assessing"} in annotation["body"]
