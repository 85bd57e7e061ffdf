"""Re-extracting an article gives its unedited claims the extractor's newer reading; a reviewer's claims keep theirs."""

from __future__ import annotations

import pytest
from django.utils import timezone

from claims.models import Claim, ClaimEntity, Job
from claims.services import extraction as extraction_services

pytestmark = pytest.mark.django_db

TALKS = "Talks aimed at releasing captives"


def _talks_claim() -> Claim:
    return Claim.objects.get(text__startswith=TALKS)


def test_the_spokesmans_claim_is_credited_to_him_with_his_title(seed_corpus: Job) -> None:
    [credit] = _talks_claim().attribution

    assert (credit["source"], credit["role"]) == ("Majed Al Ansari", "Qatari foreign ministry spokesman")


def test_re_extraction_replaces_an_older_reading_of_an_unedited_claim(seed_corpus: Job) -> None:
    claim = _talks_claim()
    old = [
        {"source": "Qatari foreign ministry spokesman", "verb": "told", "kind": "reported_speech", "start": 0, "end": 9}
    ]
    Claim.objects.filter(pk=claim.pk).update(attribution=old, entities=[{"name": "Old", "key": "old"}])
    ClaimEntity.objects.create(claim=claim, key="old", name="Old")

    extraction_services.claims_extract_for_article(article=claim.article)

    claim.refresh_from_db()
    assert claim.attribution[0]["source"] == "Majed Al Ansari"
    assert not ClaimEntity.objects.filter(claim=claim, key="old").exists()
    assert Claim.objects.filter(article=claim.article, text__startswith=TALKS).count() == 1


def test_re_extraction_leaves_a_reviewers_edited_claim_as_it_is(seed_corpus: Job) -> None:
    claim = _talks_claim()
    mine = [{"source": "Dr Majed Al Ansari", "verb": "told", "kind": "reported_speech", "start": 0, "end": 9}]
    Claim.objects.filter(pk=claim.pk).update(attribution=mine, edited_at=timezone.now())

    extraction_services.claims_extract_for_article(article=claim.article)

    claim.refresh_from_db()
    assert claim.attribution == mine
