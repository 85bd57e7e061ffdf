"""A claim a reviewer adds, rewords, splits off or restores is matched again, like a new one."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claims.models import Claim, ClaimVector, Evidence, EvidenceMethod, Job, JobKind, Stance
from claims.services import matching as matching_services
from claims.services.indexing import text_hash
from tests.claims.helpers import all_claim_ids, seed_claim

pytestmark = pytest.mark.django_db
CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
TOLL = "37,945 Palestinians"


@pytest.fixture
def matched(seed_corpus: Job) -> Job:
    matching_services.claims_match(claim_ids=all_claim_ids())
    return seed_corpus


def test_a_death_toll_split_off_a_claim_gets_its_figure_links(
    client: Client, reviewer: User, matched: Job, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    toll = seed_claim("001", TOLL)
    client.force_login(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("claims:claim-split", args=[toll.pk]),
            {
                "texts": "At least 37,945 Palestinians have been killed in the Gaza Strip\n"
                "The assault has displaced most of the population of Gaza",
                "version": toll.version,
            },
        )

    assert response.status_code == 302
    part = Claim.objects.get(split_from=toll, text__contains=TOLL)
    figures = Evidence.objects.filter(claim=part, method=EvidenceMethod.FIGURE, withdrawn_at__isnull=True)
    assert figures.filter(stance=Stance.CONTRADICTS).exists()
    job = Job.objects.filter(kind=JobKind.MATCH).latest("id")
    assert set(job.result["claim_ids"]) == set(Claim.objects.filter(split_from=toll).values_list("pk", flat=True))


def test_a_reworded_claim_is_embedded_and_linked_again(
    client: Client, reviewer: User, matched: Job, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    claim = seed_claim("000", "Hamas refused to send a delegation")
    # Reworded as the closest other report put it: the new wording must score as the same words.
    best = Evidence.objects.filter(claim=claim, via_claim__isnull=False).order_by("-score").first()
    assert best is not None
    assert best.score < 0.99
    other = best.via_claim
    assert other is not None
    client.force_login(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("claims:claim-edit", args=[claim.pk]), {"text": other.text, "version": claim.version})

    assert ClaimVector.objects.get(claim=claim).text_hash == text_hash(other.text)
    live = Evidence.objects.filter(claim=claim, via_claim__isnull=False, withdrawn_at__isnull=True)
    assert live.filter(via_claim=other, details__signals__cosine__gte=0.99).exists()


def test_a_claim_added_by_hand_is_linked_to_other_articles(
    client: Client, reviewer: User, matched: Job, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    source = seed_claim("000", "Hamas refused to send a delegation")
    sentence = source.spans.get().sentence
    client.force_login(reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("claims:claim-add", args=[sentence.article_id]),
            {"sentence": sentence.pk, "text": "Hamas did not send a delegation to the Doha talks"},
        )

    added = Claim.objects.get(text="Hamas did not send a delegation to the Doha talks")
    linked = Evidence.objects.filter(claim=added, via_claim__isnull=False, withdrawn_at__isnull=True)
    assert linked.exclude(sentence__article=added.article).exists()
