"""Standard exports: schema.org ClaimReview, W3C Web Annotations, streamed JSONL and CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims.api.exports import csv_cell
from claims.models import Claim, Evidence, EvidenceMethod, Job, Stance
from claims.services import reviews as review_services
from sources.models import Article
from tests.api.conftest import API, article_doc, assert_error_shape, ingest_now
from tests.api.helpers import streamed_text


@pytest.fixture
def claim(newsroom: dict[str, Any]) -> Claim:
    found = Claim.objects.filter(article=newsroom["articles"]["test-2.txt"]).order_by("id").first()
    assert found is not None
    return found


def link(claim: Claim, article: Article, words: str, stance: str = Stance.SUPPORTS) -> Evidence:
    start = article.body.index(words)
    sentence = article.sentences.get(start__lte=start, end__gte=start + len(words))
    return Evidence.objects.create(
        claim=claim,
        sentence=sentence,
        start=start,
        end=start + len(words),
        stance=stance,
        method=EvidenceMethod.LEXICAL,
        score=0.8,
    )


PUBLISHER = {"@type": "Organization", "name": "Harbour Checks", "url": "https://checks.example/"}


@pytest.fixture
def published(settings: Any, newsroom: dict[str, Any]) -> dict[str, Article]:
    """A newsroom that publishes its fact-checks, and articles with their public address and headline
    (test-3 has neither: it was ingested from a file)."""
    settings.CLAIMREVIEW_AUTHOR_NAME = PUBLISHER["name"]
    settings.CLAIMREVIEW_AUTHOR_URL = PUBLISHER["url"]
    settings.CLAIMREVIEW_URL_TEMPLATE = "https://checks.example/fact-checks/{claim}"
    articles: dict[str, Article] = newsroom["articles"]
    for name in ("test-1.txt", "test-2.txt"):
        n = name[5]
        Article.objects.filter(pk=articles[name].pk).update(
            url=f"https://ledger.example/harbours/{n}", title=f"Harbour report {n}"
        )
    return articles


def test_claimreview_a_newsroom_publishes_carries_its_rating_author_claimant_and_public_addresses(
    as_viewer: APIClient, reviewer: User, claim: Claim, published: dict[str, Article]
):
    link(claim, published["test-1.txt"], "The Port Authority said")  # earliest (January)
    link(claim, published["test-3.txt"], "Officials in Rotterdam")  # supports, but has no public address
    link(claim, published["test-3.txt"], "The minister told", stance=Stance.CONTRADICTS)  # not an appearance
    review_services.review_record(claim_id=claim.pk, reviewer=reviewer, rating="mostly-true", rationale="Port data.")

    response = as_viewer.get(f"{API}/claims/{claim.pk}/claimreview/", HTTP_ACCEPT="application/ld+json")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/ld+json"
    doc = response.json()
    assert doc["@context"] == "https://schema.org"
    assert doc["@type"] == "ClaimReview"
    assert doc["url"] == f"https://checks.example/fact-checks/{claim.pk}"
    assert doc["author"] == PUBLISHER
    assert doc["claimReviewed"] == claim.text
    assert doc["reviewBody"] == "Port data."
    # The default scale: False 1 ... True 5; Mostly true is 4.
    assert doc["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 4,
        "worstRating": 1,
        "bestRating": 5,
        "alternateName": "Mostly true",
    }
    item = doc["itemReviewed"]
    assert item["@type"] == "Claim"
    assert [(w["url"], w["headline"], w["datePublished"][:10]) for w in item["appearance"]] == [
        ("https://ledger.example/harbours/1", "Harbour report 1", "2024-01-10"),
        ("https://ledger.example/harbours/2", "Harbour report 2", "2024-02-10"),
    ]
    assert item["firstAppearance"]["url"] == "https://ledger.example/harbours/1"
    assert item["firstAppearance"]["publisher"] == {
        "@type": "Organization",
        "name": "Daily Ledger",
        "url": "https://ledger.example/",
    }
    # Plain JSON clients get the same document.
    assert as_viewer.get(f"{API}/claims/{claim.pk}/claimreview/").json() == doc


def test_the_claimant_is_the_source_the_article_credits(
    as_viewer: APIClient, reviewer: User, claim: Claim, published: dict[str, Article]
):
    credited = {"source": "Port Authority", "verb": "said", "kind": "reported_speech", "start": 0, "end": 14}
    Claim.objects.filter(pk=claim.pk).update(attribution=[credited])
    review_services.review_record(claim_id=claim.pk, reviewer=reviewer, rating="true", rationale="Port data.")
    doc = as_viewer.get(f"{API}/claims/{claim.pk}/claimreview/").json()
    assert doc["itemReviewed"]["author"] == {"@type": "Organization", "name": "Port Authority"}

    titled = {**credited, "source": "Anna de Vries", "role": "harbour master"}
    Claim.objects.filter(pk=claim.pk).update(attribution=[titled])
    doc = as_viewer.get(f"{API}/claims/{claim.pk}/claimreview/").json()
    assert doc["itemReviewed"]["author"] == {"@type": "Person", "name": "Anna de Vries", "jobTitle": "harbour master"}

    Claim.objects.filter(pk=claim.pk).update(attribution=[])  # the outlet states it itself: no claimant named
    assert "author" not in as_viewer.get(f"{API}/claims/{claim.pk}/claimreview/").json()["itemReviewed"]


def test_a_verdict_from_before_the_scale_keeps_its_1_to_5_reading_and_nothing_is_made_up(
    as_viewer: APIClient, reviewer: User, claim: Claim, newsroom: dict[str, Any]
):
    evidence = link(claim, newsroom["articles"]["test-1.txt"], "The Port Authority said")
    review_services.evidence_decide(evidence_id=evidence.pk, reviewer=reviewer, decision="rejected")
    review_services.review_record(claim_id=claim.pk, reviewer=reviewer, verdict="contested", rationale="Old figure.")
    doc = as_viewer.get(f"{API}/claims/{claim.pk}/claimreview/").json()
    assert doc["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 1,
        "worstRating": 1,
        "bestRating": 5,
        "alternateName": "Contested",
    }
    # No organisation, no public address of the fact-check or of any article is configured or known:
    # the document leaves them out rather than pointing at the workbench's own API.
    assert "url" not in doc
    assert "author" not in doc
    assert doc["itemReviewed"]["appearance"] == []
    assert "firstAppearance" not in doc["itemReviewed"]


def test_an_unreviewed_claim_has_no_claimreview(as_viewer: APIClient, claim: Claim):
    assert_error_shape(as_viewer.get(f"{API}/claims/{claim.pk}/claimreview/"), 404, "not_reviewed")
    assert_error_shape(as_viewer.get(f"{API}/claims/999999/claimreview/"), 404, "not_found")


def test_annotations_target_each_span_with_quote_and_position_selectors(
    as_viewer: APIClient, claim: Claim, newsroom: dict[str, Any]
):
    other = newsroom["articles"]["test-3.txt"]
    link(claim, other, "Officials in Rotterdam confirmed", stance=Stance.CONTRADICTS)
    response = as_viewer.get(f"{API}/claims/{claim.pk}/annotations/", HTTP_ACCEPT="application/ld+json")
    assert response.status_code == 200
    page = response.json()
    assert page["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert page["type"] == "AnnotationPage"
    evidence = list(claim.evidence.select_related("sentence__article").order_by("id"))
    assert len(page["items"]) == len(evidence) == 2
    for annotation, row in zip(page["items"], evidence, strict=True):
        body = row.sentence.article.body
        quote, position = annotation["target"]["selector"]
        assert annotation["type"] == "Annotation"
        assert quote["type"] == "TextQuoteSelector"
        assert position == {"type": "TextPositionSelector", "start": row.start, "end": row.end}
        assert quote["exact"] == body[row.start : row.end]
        assert quote["prefix"] == body[max(0, row.start - 32) : row.start]
        assert quote["suffix"] == body[row.end : row.end + 32]
        # The selectors find the span again in the article text.
        assert body[position["start"] : position["end"]] == quote["exact"]
        assert (quote["prefix"] + quote["exact"] + quote["suffix"]) in body
        assert {"type": "TextualBody", "value": row.stance, "purpose": "classifying"} in annotation["body"]
    assert len(page["items"][1]["target"]["selector"][0]["prefix"]) == 32
    assert page["items"][1]["target"]["source"].endswith(f"/api/v1/articles/{other.pk}/")


def test_the_jsonl_export_streams_one_claim_per_line_with_filters(
    as_viewer: APIClient, newsroom: dict[str, Any], reviewer: User
):
    response = as_viewer.get(f"{API}/export/claims.jsonl")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    assert 'filename="claims.jsonl"' in response["Content-Disposition"]
    rows = [json.loads(line) for line in streamed_text(response).splitlines()]
    assert [r["id"] for r in rows] == list(Claim.objects.order_by("id").values_list("id", flat=True))
    first = rows[0]
    assert set(first) == {
        "id", "text", "status", "version", "article", "article_title", "article_url", "outlet", "published_at",
        "created_at", "credited", "credited_role", "names", "name_keys", "figures",
    }  # fmt: skip
    one = newsroom["articles"]["test-3.txt"]
    review_services.review_record(claim_id=first["id"], reviewer=reviewer, verdict="contested", rationale="No.")
    filtered = as_viewer.get(f"{API}/export/claims.jsonl", {"outlet": one.outlet.pk})
    ids = [json.loads(line)["id"] for line in streamed_text(filtered).splitlines()]
    assert ids == list(Claim.objects.filter(article=one).order_by("id").values_list("id", flat=True))
    contested = as_viewer.get(f"{API}/export/claims.jsonl", {"status": "contested"})
    assert [json.loads(line)["id"] for line in streamed_text(contested).splitlines()] == [first["id"]]


def test_the_csv_export_has_a_header_and_quotes_text(as_viewer: APIClient, newsroom: dict[str, Any]):
    response = as_viewer.get(f"{API}/export/claims.csv", {"story": "harbours"}, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(streamed_text(response))))
    expected = Claim.objects.filter(article__stories__slug="harbours").order_by("id")
    assert [int(r["id"]) for r in rows] == list(expected.values_list("id", flat=True))
    assert rows[0]["text"] == expected[0].text
    assert rows[0]["outlet"] == "Daily Ledger"


def test_an_invalid_export_filter_is_400_json(as_viewer: APIClient, db: None):
    response = as_viewer.get(f"{API}/export/claims.csv", {"status": "maybe"}, HTTP_ACCEPT="text/csv")
    assert set(assert_error_shape(response, 400, "invalid")["fields"]) == {"status"}


def test_exports_need_a_role(as_outsider: APIClient, anonymous: APIClient, db: None):
    assert_error_shape(as_outsider.get(f"{API}/export/claims.jsonl"), 403)
    assert_error_shape(anonymous.get(f"{API}/export/claims.csv"), 401)


def test_the_exports_name_who_is_credited_the_names_with_their_keys_and_what_each_figure_counts(
    as_viewer: APIClient, seed_corpus: Job
):
    talks = Claim.objects.get(text__startswith="Talks aimed at releasing captives")
    wounded = Claim.objects.get(text__contains="70,457")

    response = as_viewer.get(f"{API}/export/claims.csv", HTTP_ACCEPT="text/csv")
    rows = {int(r["id"]): r for r in csv.DictReader(io.StringIO(streamed_text(response)))}
    lines = as_viewer.get(f"{API}/export/claims.jsonl")
    jsonl = {r["id"]: r for r in map(json.loads, streamed_text(lines).splitlines())}

    assert (rows[talks.pk]["credited"], rows[talks.pk]["credited_role"]) == (
        "Majed Al Ansari", "Qatari foreign ministry spokesman",
    )  # fmt: skip
    assert rows[wounded.pk]["figures"] == jsonl[wounded.pk]["figures"] == "70,457 individuals (injured)"
    assert jsonl[wounded.pk]["credited"] is None
    baqeri = Claim.objects.filter(entity_mentions__name="Baqeri").order_by("id").first()
    assert baqeri is not None
    assert "alibaqerikani" in rows[baqeri.pk]["name_keys"].split("; ")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_csv_cell_a_spreadsheet_would_run_as_a_formula_is_escaped(as_viewer: APIClient, db: None, start: str):
    formula = f'{start}HYPERLINK("http://evil.example","click")'
    ingest_now(article_doc(7, outlet=formula))

    response = as_viewer.get(f"{API}/export/claims.csv", HTTP_ACCEPT="text/csv")

    rows = list(csv.DictReader(io.StringIO(streamed_text(response), newline="")))
    assert rows
    assert {r["outlet"] for r in rows} == {"'" + formula}


def test_csv_numbers_and_plain_text_are_left_as_they_are():
    assert [csv_cell(v) for v in [-3.5, 12, None, "Rotterdam", "a=b"]] == [-3.5, 12, "", "Rotterdam", "a=b"]
