"""The rating scale in the admin: a rating reviews use keeps what it meant."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claims.models import Claim, Rating
from claims.services.reviews import review_record

pytestmark = pytest.mark.django_db


def test_a_used_ratings_value_and_published_name_are_fixed_but_it_can_be_retired(
    client: Client, reviewer: User, seed_corpus: object
) -> None:
    client.force_login(User.objects.create_superuser("sam-super", "sam@example.org", "x"))
    claim = Claim.objects.order_by("id").first()
    assert claim is not None
    used, unused = Rating.objects.get(slug="false"), Rating.objects.get(slug="true")
    review_record(claim_id=claim.pk, reviewer=reviewer, rating="false", rationale="Old figure.")

    page = client.get(reverse("admin:claims_rating_change", args=[used.pk])).content.decode()
    assert 'name="rating_value"' not in page
    assert 'name="alternate_name"' not in page
    assert 'name="active"' in page
    fresh = client.get(reverse("admin:claims_rating_change", args=[unused.pk])).content.decode()
    assert 'name="rating_value"' in fresh
