"""API search finds claims and sentences as the search page does, says how each matched, filters and pages them,
and refuses a bad query parameter with a 400 that names it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.models import Claim, ClaimStatus, Verdict
from claims.selectors import meaning
from claims.services import edits as edit_services
from claims.services import indexing as indexing_services
from claims.services import reviews as review_services
from sources.models import Article, Outlet
from tests.api.conftest import API, assert_error_shape
from tests.claims.desk_world import claim_in

pytestmark = pytest.mark.django_db

SEARCH = f"{API}/search/"


def _ids(response: object) -> list[int]:
    return [row["id"] for row in response.json()["results"]]  # type: ignore[attr-defined]


def test_words_in_any_order_and_a_figure_however_grouped_find_the_claim(as_viewer: APIClient) -> None:
    hamas = claim_in("Hamas refused to send a delegation of 40,000 people.")
    claim_in("The weather was mild on Tuesday.")

    in_any_order = as_viewer.get(SEARCH, {"q": "delegation Hamas refused"})
    figure = as_viewer.get(SEARCH, {"q": "40000 hamas"})

    assert in_any_order.status_code == 200
    assert _ids(in_any_order) == [hamas.pk]
    assert _ids(figure) == [hamas.pk]
    row = in_any_order.json()["results"][0]
    assert row["text"] == hamas.text
    assert row["outlet"] == "Outlet A"
    assert row["match"] == {"words": True, "meaning": None, "closeness": "", "score": 0.6}
    assert _ids(as_viewer.get(SEARCH, {"q": "refused delegation zzzz"})) == []  # every word, not any


def test_a_paraphrase_is_found_by_meaning_with_its_cosine(as_viewer: APIClient) -> None:
    refused = claim_in("Hamas has refused to participate in these talks")
    indexing_services.claims_index(claim_ids=[refused.pk])
    q = "Hamas declined to attend the negotiations"

    response = as_viewer.get(SEARCH, {"q": q})

    (row,) = [r for r in response.json()["results"] if r["id"] == refused.pk]
    assert row["match"]["words"] is False
    assert row["match"]["meaning"] == meaning.close_claims(q)[refused.pk] >= meaning.CLOSE
    assert row["match"]["closeness"].endswith("in meaning")


def test_sentences_are_searched_at_their_own_endpoint(as_viewer: APIClient) -> None:
    claim = claim_in("Officials in Rotterdam inspected the harbour.")

    response = as_viewer.get(f"{SEARCH}sentences/", {"q": "rotterdam harbour"})

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["article"] == claim.article_id
    assert row["article_title"] == claim.article.title
    assert row["text"] == claim.text
    assert row["match"]["words"] is True


def test_filters_narrow_by_outlet_days_status_and_verdict(as_viewer: APIClient, reviewer: User) -> None:
    early = claim_in("Harbour fees rose sharply.", published=datetime(2024, 1, 10, 9, tzinfo=UTC))
    late = claim_in("Harbour fees rose again.", outlet="Outlet B", published=datetime(2024, 3, 10, 9, tzinfo=UTC))
    review_services.review_record(claim_id=late.pk, reviewer=reviewer, verdict=Verdict.CORROBORATED, rationale="ok")
    outlet_b = Outlet.objects.get(name="Outlet B")

    def found(**params: str | int) -> set[int]:
        response = as_viewer.get(SEARCH, {"q": "harbour fees", **params})
        assert response.status_code == 200, response.content
        return set(_ids(response))

    assert found() == {early.pk, late.pk}
    assert found(outlet=outlet_b.pk) == {late.pk}
    assert found(published_from="2024-03-01") == {late.pk}
    assert found(published_to="2024-01-31") == {early.pk}
    assert found(has_verdict="with") == {late.pk}
    assert found(has_verdict="without") == {early.pk}
    assert found(status=ClaimStatus.UNREVIEWED) == {early.pk}


def test_a_deleted_claim_is_not_found(as_viewer: APIClient, reviewer: User) -> None:
    claim = claim_in("The ferry carried 312 passengers.")
    edit_services.claim_delete(claim_id=claim.pk, user=reviewer, reason="duplicate extraction")

    assert _ids(as_viewer.get(SEARCH, {"q": "ferry passengers"})) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "?!"}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "harbour", "outlet": "abc"}, "outlet"),
        ({"q": "harbour", "outlet": "999999"}, "outlet"),
        ({"q": "harbour", "story": "no-such-story"}, "story"),
        ({"q": "harbour", "published_from": "10/01/2024"}, "published_from"),
        ({"q": "harbour", "published_from": "2024-02-01", "published_to": "2024-01-01"}, "published_to"),
        ({"q": "harbour", "status": "sure"}, "status"),
        ({"q": "harbour", "has_verdict": "maybe"}, "has_verdict"),
        ({"q": "harbour", "page_size": "0"}, "page_size"),
        ({"q": "harbour", "page_size": "101"}, "page_size"),
        ({"q": "harbour", "page": "two"}, "page"),
        ({"q": "harbour", "verdict": "with"}, "verdict"),  # unknown: the parameter is has_verdict
    ],
)
def test_a_bad_query_parameter_is_a_400_naming_it(as_viewer: APIClient, params: dict[str, str], field: str) -> None:
    error = assert_error_shape(as_viewer.get(SEARCH, params), 400)
    assert field in error["fields"]


def test_status_and_verdict_do_not_apply_to_sentences(as_viewer: APIClient) -> None:
    error = assert_error_shape(as_viewer.get(f"{SEARCH}sentences/", {"q": "harbour", "status": "unreviewed"}), 400)
    assert "status" in error["fields"]


def test_a_page_past_the_last_is_a_404(as_viewer: APIClient) -> None:
    claim_in("Harbour dues doubled.")
    assert_error_shape(as_viewer.get(SEARCH, {"q": "harbour", "page": "5"}), 404)


def test_anonymous_and_roleless_callers_are_refused(anonymous: APIClient, as_outsider: APIClient) -> None:
    assert_error_shape(anonymous.get(SEARCH, {"q": "harbour"}), 401)
    assert_error_shape(as_outsider.get(SEARCH, {"q": "harbour"}), 403)


def test_results_are_paged_and_a_page_costs_the_same_queries_however_many_match(as_viewer: APIClient) -> None:
    for n in range(3):
        claim_in(f"Harbour report {n} was filed.")
    as_viewer.get(SEARCH, {"q": "harbour report"})  # the encoder is loaded once per process, outside the count

    with CaptureQueriesContext(connection) as few:
        first = as_viewer.get(SEARCH, {"q": "harbour report", "page_size": "2"})
    for n in range(3, 12):
        claim_in(f"Harbour report {n} was filed.")
    with CaptureQueriesContext(connection) as many:
        bigger = as_viewer.get(SEARCH, {"q": "harbour report", "page_size": "2"})

    assert first.json()["count"] == 3
    assert len(first.json()["results"]) == 2
    assert first.json()["next"] is not None
    assert bigger.json()["count"] == 12
    assert len(many) == len(few) <= 12
    newest = Claim.objects.filter(text__startswith="Harbour report").order_by("-id")
    assert _ids(bigger) == [c.pk for c in newest[:2]]  # words only: newest first


def test_an_outlet_filter_on_an_article_without_an_outlet_finds_nothing(as_viewer: APIClient) -> None:
    claim = claim_in("Harbour lights failed.", outlet=None)
    other = Outlet.objects.create(name="Elsewhere")
    assert Article.objects.get(pk=claim.article_id).outlet is None

    assert _ids(as_viewer.get(SEARCH, {"q": "harbour lights", "outlet": str(other.pk)})) == []
    assert _ids(as_viewer.get(SEARCH, {"q": "harbour lights"})) == [claim.pk]
