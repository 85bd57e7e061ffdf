"""The newsroom's rating scale through the API: reading it, and recording a verdict as a rating."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims.models import Claim, Job, Rating, Review
from tests.api.conftest import API, assert_error_shape


@pytest.fixture
def claim(seed_corpus: Job) -> Claim:
    found = Claim.objects.order_by("id").first()
    assert found is not None
    return found


def rate(client: APIClient, target: Claim, **fields: Any) -> Any:
    payload = {"claim": target.pk, "rationale": "Two ministries contradict the figure.", **fields}
    return client.post(f"{API}/reviews/", payload, format="json", HTTP_IF_MATCH="*")


def test_the_scale_is_listed_in_the_order_reviewers_see_it_with_its_range(as_viewer: APIClient, db: None):
    rows = as_viewer.get(f"{API}/ratings/").json()["results"]
    assert [(r["slug"], r["rating_value"], r["summary"]) for r in rows] == [
        ("true", 5, "corroborated"),
        ("mostly-true", 4, "corroborated"),
        ("misleading", 2, "contested"),
        ("false", 1, "contested"),
        ("unproven", 3, "unproven"),
    ]
    assert {(r["worst_rating"], r["best_rating"]) for r in rows} == {(1, 5)}


def test_a_rating_sets_the_verdict_and_the_claim_status(as_reviewer: APIClient, claim: Claim):
    response = rate(as_reviewer, claim, rating="misleading")
    assert response.status_code == 201, response.content
    assert (response.json()["rating"], response.json()["verdict"]) == ("misleading", "contested")
    claim.refresh_from_db()
    assert claim.status == "contested"
    assert Review.objects.get().rating == Rating.objects.get(slug="misleading")
    detail = as_reviewer.get(f"{API}/claims/{claim.pk}/").json()
    assert detail["reviews"][0]["rating"] == "misleading"


def test_an_unproven_rating_makes_the_claim_unproven_not_unreviewed(as_reviewer: APIClient, claim: Claim):
    assert rate(as_reviewer, claim, rating="unproven").status_code == 201
    claim.refresh_from_db()
    assert claim.status == "unproven"
    listed = as_reviewer.get(f"{API}/claims/", {"status": "unproven"}).json()["results"]
    assert [c["id"] for c in listed] == [claim.pk]


def test_an_unknown_rating_is_a_400_that_names_it(as_reviewer: APIClient, claim: Claim):
    error = assert_error_shape(rate(as_reviewer, claim, rating="pants-on-fire"), 400, "invalid")
    assert "pants-on-fire" in str(error["fields"]["rating"])
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"rating": 5}, "rating"),  # a ratingValue is not a rating's name
        ({"rating": None}, "rating"),
        ({"rating": "false", "verdict": "corroborated"}, "verdict"),  # they disagree
        ({}, "rating"),  # neither
        ({"verdict": "unproven"}, "verdict"),  # only a rating of the scale says unproven
    ],
)
def test_a_rating_of_the_wrong_type_or_one_that_contradicts_the_verdict_is_a_400(
    as_reviewer: APIClient, claim: Claim, fields: dict[str, Any], named: str
):
    error = assert_error_shape(rate(as_reviewer, claim, **fields), 400, "invalid")
    assert named in error["fields"]
    assert not Review.objects.exists()


def test_a_retired_rating_is_refused_but_old_reviews_keep_it(
    as_reviewer: APIClient, as_viewer: APIClient, claim: Claim
):
    assert rate(as_reviewer, claim, rating="misleading").status_code == 201
    Rating.objects.filter(slug="misleading").update(active=False)
    assert_error_shape(rate(as_reviewer, claim, rating="misleading"), 400, "invalid")
    doc = as_viewer.get(f"{API}/claims/{claim.pk}/claimreview/").json()
    assert (doc["reviewRating"]["ratingValue"], doc["reviewRating"]["alternateName"]) == (2, "Misleading")


def test_a_bare_verdict_is_still_recorded_without_a_rating(as_reviewer: APIClient, reviewer: User, claim: Claim):
    response = rate(as_reviewer, claim, verdict="corroborated")
    assert response.status_code == 201, response.content
    assert response.json()["rating"] is None
    assert Review.objects.get().rating is None
