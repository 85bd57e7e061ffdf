"""Recording verdicts through the API: roles, optimistic concurrency (If-Match), validation."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims.models import Claim, Job, Review
from claims.services import reviews as review_services
from tests.api.conftest import API, assert_error_shape, token_client


@pytest.fixture
def claim(seed_corpus: Job) -> Claim:
    found = Claim.objects.order_by("id").first()
    assert found is not None
    return found


def post_review(client: APIClient, target: Claim, **extra: Any) -> Any:
    # Reviews need If-Match (428 without it); "*" skips the version check, None sends no header.
    if_match = extra.pop("if_match", "*")
    headers = {"HTTP_IF_MATCH": if_match} if if_match is not None else {}
    payload = {"claim": target.pk, "verdict": "contested", "rationale": "The figure is from 2019.", **extra}
    return client.post(f"{API}/reviews/", payload, format="json", **headers)


def test_a_reviewer_records_a_verdict_and_the_claim_status_follows(
    as_reviewer: APIClient, reviewer: User, claim: Claim
):
    response = post_review(as_reviewer, claim)
    assert response.status_code == 201, response.content
    data = response.json()
    review = Review.objects.get()
    assert data == {
        "id": review.pk,
        "claim": claim.pk,
        "rating": None,
        "verdict": "contested",
        "rationale": "The figure is from 2019.",
        "reviewer": reviewer.username,
        "created_at": data["created_at"],
    }
    assert response["Location"].endswith(f"/api/v1/reviews/{review.pk}/")
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("contested", 2)
    assert as_reviewer.get(response["Location"]).json() == data


def test_a_viewer_cannot_post_a_review(as_viewer: APIClient, claim: Claim):
    assert_error_shape(post_review(as_viewer, claim), 403, "permission_denied")
    assert not Review.objects.exists()
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("unreviewed", 1)


def test_an_admin_can_post_a_review(admin_user: User, claim: Claim):
    assert post_review(token_client(admin_user), claim).status_code == 201


def test_a_review_with_a_stale_if_match_gets_412(as_reviewer: APIClient, second_reviewer: User, claim: Claim):
    etag = as_reviewer.get(f"{API}/claims/{claim.pk}/")["ETag"]
    # Someone else decides while the first reviewer is still reading.
    review_services.review_record(
        claim_id=claim.pk, reviewer=second_reviewer, verdict="corroborated", rationale="Checked."
    )

    error = assert_error_shape(post_review(as_reviewer, claim, if_match=etag), 412, "stale_version")
    assert second_reviewer.username in error["message"]
    assert "reload" in error["message"]
    assert list(Review.objects.values_list("reviewer__username", flat=True)) == [second_reviewer.username]
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("corroborated", 2)


def test_a_review_with_the_current_if_match_succeeds_and_changes_the_etag(as_reviewer: APIClient, claim: Claim):
    etag = as_reviewer.get(f"{API}/claims/{claim.pk}/")["ETag"]
    assert post_review(as_reviewer, claim, if_match=etag).status_code == 201
    # The same ETag is now stale: a second write based on the old read is refused.
    assert_error_shape(post_review(as_reviewer, claim, if_match=etag), 412, "stale_version")
    fresh = as_reviewer.get(f"{API}/claims/{claim.pk}/")["ETag"]
    assert fresh != etag
    assert post_review(as_reviewer, claim, if_match=fresh, verdict="corroborated").status_code == 201
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("corroborated", 3)


def test_if_match_star_is_accepted(as_reviewer: APIClient, claim: Claim):
    assert post_review(as_reviewer, claim, if_match="*").status_code == 201


def test_a_weak_etag_of_the_current_version_gets_412(as_reviewer: APIClient, claim: Claim):
    # If-Match compares strongly (RFC 9110): W/ never passes, even with the current version.
    error = assert_error_shape(post_review(as_reviewer, claim, if_match=f'W/"claim-{claim.pk}-v1"'), 412, "weak_etag")
    assert "without W/" in error["message"]
    assert not Review.objects.exists()


def test_an_if_match_of_another_claim_gets_412(as_reviewer: APIClient, claim: Claim):
    other = Claim.objects.exclude(pk=claim.pk).first()
    assert other is not None
    etag = as_reviewer.get(f"{API}/claims/{other.pk}/")["ETag"]
    error = assert_error_shape(post_review(as_reviewer, claim, if_match=etag), 412, "precondition_failed")
    assert f"claim {other.pk}" in error["message"]
    assert not Review.objects.exists()


def test_a_malformed_if_match_is_400(as_reviewer: APIClient, claim: Claim):
    error = assert_error_shape(post_review(as_reviewer, claim, if_match="version 1"), 400, "invalid")
    assert set(error["fields"]) == {"If-Match"}
    assert not Review.objects.exists()


def test_server_set_fields_are_read_only(as_reviewer: APIClient, reviewer: User, second_reviewer: User, claim: Claim):
    response = post_review(
        as_reviewer, claim, reviewer=second_reviewer.username, created_at="2001-01-01T00:00:00Z", id=999
    )
    assert response.status_code == 201
    review = Review.objects.get()
    assert review.reviewer == reviewer
    assert review.created_at.year != 2001
    assert response.json()["id"] == review.pk
    assert response.json()["reviewer"] == reviewer.username


@pytest.mark.parametrize(
    ("extra", "fields"),
    [
        ({"rationale": "   "}, {"rationale"}),
        ({"verdict": "unreviewed"}, {"verdict"}),
        ({"claim": 999999}, {"claim"}),
        ({"claim": None, "verdict": None}, {"claim", "verdict"}),
    ],
)
def test_an_invalid_review_is_400_naming_the_fields(
    as_reviewer: APIClient, claim: Claim, extra: dict[str, Any], fields: set[str]
):
    error = assert_error_shape(post_review(as_reviewer, claim, **extra), 400, "invalid")
    assert set(error["fields"]) == fields
    assert not Review.objects.exists()


def test_reviews_filter_by_claim_newest_first(as_viewer: APIClient, reviewer: User, claim: Claim):
    other = Claim.objects.exclude(pk=claim.pk).first()
    assert other is not None
    for verdict in ("contested", "corroborated"):
        review_services.review_record(
            claim_id=claim.pk, reviewer=reviewer, verdict=verdict, rationale=f"Now {verdict}."
        )
    review_services.review_record(claim_id=other.pk, reviewer=reviewer, verdict="contested", rationale="Other.")
    rows = as_viewer.get(f"{API}/reviews/", {"claim": claim.pk}).json()["results"]
    assert [(r["claim"], r["verdict"]) for r in rows] == [(claim.pk, "corroborated"), (claim.pk, "contested")]
    assert len(as_viewer.get(f"{API}/reviews/").json()["results"]) == 3


def test_a_review_without_if_match_is_428_and_records_nothing(as_reviewer: APIClient, claim: Claim):
    error = assert_error_shape(post_review(as_reviewer, claim, if_match=None), 428, "precondition_required")
    assert "If-Match" in error["message"]
    assert not Review.objects.exists()
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("unreviewed", 1)


def test_the_service_still_records_without_a_version_for_the_web_ui(reviewer: User, claim: Claim):
    # 428 is an API rule: the web UI and scripts call the service with or without a version.
    review_services.review_record(
        claim_id=claim.pk, reviewer=reviewer, verdict="contested", rationale="Checked by hand."
    )
    assert Review.objects.count() == 1


def test_a_claim_detail_etag_follows_evidence_decisions_too(as_reviewer: APIClient, claim: Claim):
    etag = as_reviewer.get(f"{API}/claims/{claim.pk}/")["ETag"]
    evidence = claim.evidence.first()
    assert evidence is not None
    assert (
        as_reviewer.post(
            f"{API}/evidence/{evidence.pk}/decision/", {"decision": "confirmed"}, format="json"
        ).status_code
        == 200
    )
    assert as_reviewer.get(f"{API}/claims/{claim.pk}/")["ETag"] != etag
    assert_error_shape(post_review(as_reviewer, claim, if_match=etag), 412, "stale_version")
