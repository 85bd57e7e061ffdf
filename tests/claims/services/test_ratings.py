"""Verdicts on the newsroom's rating scale: the rating sets the claim's status, travels with the group's
verdict, and reviews from before the scale read as they always did."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from claims.models import Claim, Rating, Review
from claims.selectors.claim_details import claim_history
from claims.services.groups import group_create
from claims.services.reviews import review_record
from tests.claims.helpers import claims_from_different_articles

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(seed_corpus: object) -> Claim:
    found = Claim.objects.order_by("id").first()
    assert found is not None
    return found


def test_a_rating_records_its_summary_as_the_verdict_and_the_claims_status(claim: Claim, reviewer: User) -> None:
    review = review_record(claim_id=claim.pk, reviewer=reviewer, rating="mostly-true", rationale="Two wires agree.")
    assert (review.rating, review.verdict) == (Rating.objects.get(slug="mostly-true"), "corroborated")
    claim.refresh_from_db()
    assert (claim.status, claim.version) == ("corroborated", 2)


def test_an_unknown_or_retired_rating_is_refused_with_the_scale_named(claim: Claim, reviewer: User) -> None:
    with pytest.raises(ValidationError, match="Unknown rating 'pants-on-fire'; choose one of: true, mostly-true"):
        review_record(claim_id=claim.pk, reviewer=reviewer, rating="pants-on-fire", rationale="No.")
    Rating.objects.filter(slug="false").update(active=False)
    with pytest.raises(ValidationError, match="Unknown rating 'false'"):
        review_record(claim_id=claim.pk, reviewer=reviewer, rating="false", rationale="No.")
    assert not Review.objects.exists()


def test_a_group_verdict_carries_its_rating_to_members(seed_corpus: object, reviewer: User) -> None:
    canonical, member = claims_from_different_articles(2)
    group_create(claim_ids=[canonical.pk, member.pk], user=reviewer)
    review_record(claim_id=canonical.pk, reviewer=reviewer, rating="unproven", rationale="Nobody can confirm it.")
    carried = Review.objects.get(claim=member)
    assert (carried.rating.slug if carried.rating else None, carried.verdict) == ("unproven", "unproven")
    member.refresh_from_db()
    assert member.status == "unproven"


def test_history_shows_the_rating_and_an_older_verdict_as_it_was(claim: Claim, reviewer: User) -> None:
    review_record(claim_id=claim.pk, reviewer=reviewer, verdict="contested", rationale="Before the scale.")
    review_record(claim_id=claim.pk, reviewer=reviewer, rating="false", rationale="With the scale.")
    labels = [e.label for e in claim_history(claim=claim) if e.kind == "verdict"]
    assert labels == ["False (contested)", "Contested"]


def test_a_rating_in_use_cannot_be_deleted(claim: Claim, reviewer: User) -> None:
    review_record(claim_id=claim.pk, reviewer=reviewer, rating="false", rationale="With the scale.")
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.filter(slug="false").delete()
