"""Conflicting figures in the reader and the queue: unreviewed claims another report counts differently."""

from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claims.models import (
    Claim,
    ClaimStatus,
    EvidenceDecisionChoice,
    Job,
)
from claims.services import reviews as review_services
from tests.claims.helpers import link_conflicting_figure


def two_claims_of_one_article() -> tuple[Claim, Claim, Claim]:
    """Two claims of the first article with claims on different sentences, and one claim of another article."""
    first = Claim.objects.order_by("id").first()
    assert first is not None
    mine = list(Claim.objects.filter(article=first.article).order_by("id"))
    a = mine[1]
    b = next(
        c
        for c in mine[2:]
        if not set(c.spans.values_list("sentence", flat=True)) & set(a.spans.values_list("sentence", flat=True))
    )
    other = Claim.objects.exclude(article=first.article).order_by("id").first()
    assert other is not None
    return a, b, other


def marked_status(page: str, claim: Claim) -> str:
    found = re.search(rf'<a class="claim claim--(\w+)" href="{reverse("claims:claim-detail", args=[claim.pk])}"', page)
    assert found, f"claim {claim.pk} is not highlighted"
    return found.group(1)


def test_the_reader_marks_an_unreviewed_claim_with_conflicting_figures_apart(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    a, b, other = two_claims_of_one_article()
    link_conflicting_figure(a, other)
    link_conflicting_figure(b, other)
    review_services.review_record(claim_id=b.pk, reviewer=reviewer, verdict="contested", rationale="Checked the toll.")
    client.force_login(reviewer)

    page = client.get(reverse("claims:article-detail", args=[a.article_id])).content.decode()

    assert marked_status(page, a) == "figures"
    assert marked_status(page, b) == "contested"  # a reviewer's verdict outranks the machine's flag
    assert re.search(r'claim--figures">Conflicting figures</span> <strong>1</strong>', page)


def test_a_rejected_figure_link_no_longer_flags_the_claim(client: Client, reviewer: User, seed_corpus: Job) -> None:
    a, _, other = two_claims_of_one_article()
    link = link_conflicting_figure(a, other)
    review_services.evidence_decide(evidence_id=link.pk, reviewer=reviewer, decision=EvidenceDecisionChoice.REJECTED)
    client.force_login(reviewer)

    page = client.get(reverse("claims:article-detail", args=[a.article_id])).content.decode()

    assert marked_status(page, a) == "unreviewed"


def test_the_queue_filters_unreviewed_claims_with_conflicting_figures(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    a, b, other = two_claims_of_one_article()
    link_conflicting_figure(b, other)
    client.force_login(reviewer)

    page = client.get(reverse("claims:queue") + "?status=figures")
    after = client.get(reverse("claims:queue") + f"?status=figures&after={b.pk}")

    assert page.context["claim"] == b
    assert after.context["claim"] is None
    assert Claim.objects.get(pk=a.pk).status == ClaimStatus.UNREVIEWED  # a is unreviewed but has no conflict


def test_the_reader_with_flagged_claims_makes_a_fixed_number_of_queries(
    client: Client, reviewer: User, seed_corpus: Job, django_assert_max_num_queries
) -> None:
    a, b, other = two_claims_of_one_article()
    link_conflicting_figure(a, other)
    link_conflicting_figure(b, other)
    client.force_login(reviewer)

    # session, user, groups, article, stories, sentences, spans, flagged claims
    with django_assert_max_num_queries(8):
        response = client.get(reverse("claims:article-detail", args=[a.article_id]))

    assert response.status_code == 200
