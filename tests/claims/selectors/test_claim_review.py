"""What stops a ClaimReview from being published, said in words (the claim page shows them)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from claims.models import Claim, Job
from claims.selectors.claim_review import claim_publication
from claims.services import reviews as review_services
from sources.models import Article


def first_claim() -> Claim:
    claim = Claim.objects.order_by("id").first()
    assert claim is not None
    return claim


def test_no_verdict_no_claimreview(seed_corpus: Job):
    assert claim_publication(first_claim()) is None


def test_without_settings_a_public_address_or_a_rating_it_says_what_is_missing(
    seed_corpus: Job, reviewer: User, settings: Any
):
    settings.CLAIMREVIEW_AUTHOR_NAME = ""
    settings.CLAIMREVIEW_URL_TEMPLATE = ""
    claim = first_claim()
    Article.objects.update(url="")
    review_services.review_record(claim_id=claim.pk, reviewer=reviewer, verdict="contested", rationale="Old.")
    claim.refresh_from_db()
    publication = claim_publication(claim)
    assert publication is not None
    assert not publication.publishable
    assert publication.problems == [
        "None of the reviewed articles has a public address (URL) to cite as where the claim appeared.",
        "No public address for the fact-check: set CLAIMREVIEW_URL_TEMPLATE.",
        "No publishing organisation: set CLAIMREVIEW_AUTHOR_NAME.",
        "The verdict has no rating of the newsroom's scale; record it again with a rating.",
    ]


def test_with_all_of_them_it_can_be_published(seed_corpus: Job, reviewer: User, settings: Any):
    settings.CLAIMREVIEW_AUTHOR_NAME = "Harbour Checks"
    settings.CLAIMREVIEW_URL_TEMPLATE = "https://checks.example/{claim}"
    claim = first_claim()
    Article.objects.filter(pk=claim.article_id).update(url="https://news.example/a")
    review_services.review_record(claim_id=claim.pk, reviewer=reviewer, rating="false", rationale="Old.")
    claim.refresh_from_db()
    publication = claim_publication(claim)
    assert publication is not None
    assert publication.problems == []
    assert publication.document["url"] == f"https://checks.example/{claim.pk}"
