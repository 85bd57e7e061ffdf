"""Evidence over the API: confirm or reject a link, add a manual link by sentence or article span."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims.models import Claim, Evidence, EvidenceDecision, EvidenceMethod, Stance
from sources.models import Article, Sentence
from tests.api.conftest import API, assert_error_shape


@pytest.fixture
def claim(newsroom: dict[str, Any]) -> Claim:
    found = Claim.objects.filter(article=newsroom["articles"]["test-1.txt"]).order_by("id").first()
    assert found is not None
    return found


@pytest.fixture
def other_article(newsroom: dict[str, Any]) -> Article:
    article: Article = newsroom["articles"]["test-3.txt"]
    return article


def span_of(article: Article, words: str) -> tuple[Sentence, int, int]:
    start = article.body.index(words)
    end = start + len(words)
    sentence = article.sentences.get(start__lte=start, end__gte=end)
    return sentence, start, end


def machine_link(claim: Claim, article: Article, words: str) -> Evidence:
    sentence, start, end = span_of(article, words)
    return Evidence.objects.create(
        claim=claim, sentence=sentence, start=start, end=end, stance=Stance.SUPPORTS,
        method=EvidenceMethod.SEMANTIC, score=0.8,
    )  # fmt: skip


def test_a_reviewer_confirms_and_rejects_a_link_and_each_decision_is_kept(
    as_reviewer: APIClient, reviewer: User, claim: Claim, other_article: Article
):
    evidence = machine_link(claim, other_article, other_article.sentences.order_by("position")[0].text)
    url = f"{API}/evidence/{evidence.pk}/decision/"
    response = as_reviewer.post(url, {"decision": "rejected", "note": "Wrong port."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["decision"] == "rejected"
    assert as_reviewer.post(url, {"decision": "confirmed"}, format="json").json()["decision"] == "confirmed"
    rows = list(EvidenceDecision.objects.filter(evidence=evidence).order_by("id").values_list("decision", "note"))
    assert rows == [("rejected", "Wrong port."), ("confirmed", "")]
    claim.refresh_from_db()
    assert claim.version == 3


def test_the_sentence_a_claim_was_extracted_from_cannot_be_rejected(as_reviewer: APIClient, claim: Claim):
    origin = claim.evidence.get(method=EvidenceMethod.ORIGIN)

    response = as_reviewer.post(f"{API}/evidence/{origin.pk}/decision/", {"decision": "rejected"}, format="json")

    assert "extracted from" in assert_error_shape(response, 400)["fields"]["decision"][0]
    assert not EvidenceDecision.objects.exists()
    assert (
        as_reviewer.post(f"{API}/evidence/{origin.pk}/decision/", {"decision": "confirmed"}, format="json").status_code
        == 200
    )


@pytest.mark.parametrize("decision", ["pending", "maybe", ""])
def test_a_decision_other_than_confirmed_or_rejected_is_400(as_reviewer: APIClient, claim: Claim, decision: str):
    evidence = claim.evidence.get()
    response = as_reviewer.post(f"{API}/evidence/{evidence.pk}/decision/", {"decision": decision}, format="json")
    assert set(assert_error_shape(response, 400, "invalid")["fields"]) == {"decision"}
    assert not EvidenceDecision.objects.exists()


def test_a_viewer_cannot_decide_and_an_unknown_link_is_404(as_viewer: APIClient, as_reviewer: APIClient, claim: Claim):
    evidence = claim.evidence.get()
    body = {"decision": "rejected"}
    assert_error_shape(as_viewer.post(f"{API}/evidence/{evidence.pk}/decision/", body, format="json"), 403)
    assert_error_shape(as_reviewer.post(f"{API}/evidence/999999/decision/", body, format="json"), 404, "not_found")


def test_a_manual_link_by_article_span_finds_its_sentence_and_is_confirmed_by_the_caller(
    as_reviewer: APIClient, reviewer: User, claim: Claim, other_article: Article
):
    sentence, start, end = span_of(other_article, "Officials in Rotterdam confirmed")
    body = {"claim": claim.pk, "article": other_article.pk, "start": start, "end": end, "stance": "contradicts"}
    response = as_reviewer.post(f"{API}/evidence/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["quote"] == "Officials in Rotterdam confirmed"
    assert (data["sentence"], data["article"], data["stance"], data["method"], data["decision"]) == (
        sentence.pk,
        other_article.pk,
        "contradicts",
        "manual",
        "confirmed",
    )
    evidence = Evidence.objects.get(pk=data["id"])
    assert evidence.decisions.get().reviewer == reviewer
    assert response["Location"].endswith(f"/api/v1/evidence/{evidence.pk}/")
    # It shows on the claim, across articles.
    detail = as_reviewer.get(f"{API}/claims/{claim.pk}/").json()
    assert {e["article"] for e in detail["evidence"]} == {claim.article_id, other_article.pk}


def test_a_manual_link_by_sentence(as_reviewer: APIClient, claim: Claim, other_article: Article):
    sentence, start, end = span_of(other_article, "cargo volumes rose 13 percent")
    body = {"claim": claim.pk, "sentence": sentence.pk, "start": start, "end": end, "stance": "supports"}
    response = as_reviewer.post(f"{API}/evidence/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["quote"] == "cargo volumes rose 13 percent"
    # The same span twice is refused.
    again = as_reviewer.post(f"{API}/evidence/", body, format="json")
    assert set(assert_error_shape(again, 400, "invalid")["fields"]) == {"span"}


def test_span_validation(as_reviewer: APIClient, claim: Claim, other_article: Article):
    sentence, start, end = span_of(other_article, "Officials in Rotterdam")
    length = len(other_article.body)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"article": other_article.pk, "start": 5, "end": 5}, "end"),
        ({"article": other_article.pk, "start": length - 2, "end": length + 10}, "end"),
        ({"article": other_article.pk, "start": sentence.start - 5, "end": sentence.start + 5}, "start"),
        ({"sentence": sentence.pk, "start": sentence.end - 2, "end": sentence.end + 3}, "start"),
        ({"sentence": sentence.pk, "article": other_article.pk, "start": start, "end": end}, "sentence"),
        ({"start": start, "end": end}, "sentence"),
        ({"article": other_article.pk, "start": -1, "end": end}, "start"),
    ]
    for extra, field in cases:
        body = {"claim": claim.pk, "stance": "supports", **extra}
        error = assert_error_shape(as_reviewer.post(f"{API}/evidence/", body, format="json"), 400, "invalid")
        assert set(error["fields"]) == {field}, (extra, error)
    assert not Evidence.objects.filter(method="manual").exists()


def test_evidence_lists_filter_by_claim(as_viewer: APIClient, claim: Claim):
    rows = as_viewer.get(f"{API}/evidence/", {"claim": claim.pk}).json()["results"]
    assert [r["id"] for r in rows] == list(claim.evidence.order_by("id").values_list("id", flat=True))
    assert all(r["quote"] for r in rows)
