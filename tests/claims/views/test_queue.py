"""The review queue: leases so two reviewers never get the same claim, filters, moving, and the page."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, ClaimLease, ClaimStatus, Job
from claims.roles import Role
from claims.selectors.review_queue import QueueFilters, queue_claims
from claims.services import edits as edit_services
from claims.services import leases as lease_services
from claims.services import reviews as review_services
from claims.services.leases import queue_next, queue_release
from sources.models import Article, Outlet, Story, StoryArticle
from tests.conftest import user_with_role


def live_claims() -> list[Claim]:
    """The unreviewed claims in queue order (highest priority first; tests/claims/selectors/test_review_queue.py
    pins the order itself)."""
    return list(queue_claims(filters=QueueFilters()))


def test_the_queue_gives_the_first_unreviewed_claim_in_queue_order_and_leases_it_for_ten_minutes(
    reviewer: User, seed_corpus: Job
) -> None:
    first = live_claims()[0]

    claim = queue_next(user=reviewer, filters=QueueFilters())

    assert claim == first
    lease = ClaimLease.objects.get()
    assert (lease.claim_id, lease.user) == (first.pk, reviewer)
    assert timedelta(minutes=9) < lease.expires_at - timezone.now() <= timedelta(minutes=10)


def test_two_reviewers_never_get_the_same_claim(reviewer: User, second_reviewer: User, seed_corpus: Job) -> None:
    first, second, *_ = live_claims()

    mine = queue_next(user=reviewer, filters=QueueFilters())
    theirs = queue_next(user=second_reviewer, filters=QueueFilters())

    assert (mine, theirs) == (first, second)
    # Asking again, each keeps their own; neither is handed the other's.
    assert queue_next(user=reviewer, filters=QueueFilters()) == first
    assert queue_next(user=second_reviewer, filters=QueueFilters()) == second
    # Moving on past a held claim skips it.
    assert queue_next(user=reviewer, filters=QueueFilters(after=first.pk)) not in (first, second)


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_asking_at_the_same_moment_get_different_claims(seed_corpus: Job) -> None:
    reviewers = [user_with_role(f"racer-{n}", Role.REVIEWER) for n in range(6)]
    barrier = threading.Barrier(len(reviewers))
    got: dict[str, int | None] = {}
    errors: list[BaseException] = []

    def take(user: User) -> None:
        try:
            barrier.wait()
            claim = queue_next(user=user, filters=QueueFilters())
            got[user.username] = claim.pk if claim else None
        except BaseException as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(u,)) for u in reviewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert errors == []
    assert len(got) == len(reviewers)
    assert None not in got.values()
    assert len(set(got.values())) == len(reviewers)  # six reviewers, six different claims
    assert ClaimLease.objects.count() == len(reviewers)


def test_an_expired_lease_is_handed_to_the_next_reviewer(
    reviewer: User, second_reviewer: User, seed_corpus: Job
) -> None:
    first = queue_next(user=reviewer, filters=QueueFilters())
    assert first is not None
    ClaimLease.objects.filter(claim=first).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert queue_next(user=second_reviewer, filters=QueueFilters()) == first
    assert ClaimLease.objects.get(claim=first).user == second_reviewer


def test_a_reviewer_holds_one_claim_at_a_time_and_release_frees_it(
    reviewer: User, second_reviewer: User, seed_corpus: Job
) -> None:
    first = queue_next(user=reviewer, filters=QueueFilters())
    assert first is not None
    second = queue_next(user=reviewer, filters=QueueFilters(after=first.pk))

    assert list(ClaimLease.objects.values_list("claim_id", "user")) == [(second.pk, reviewer.pk)]  # type: ignore[union-attr]
    assert queue_release(user=reviewer) == 1
    assert not ClaimLease.objects.exists()
    assert queue_next(user=second_reviewer, filters=QueueFilters(after=first.pk)) == second


def test_the_queue_moves_forward_and_back_in_queue_order(reviewer: User, seed_corpus: Job) -> None:
    first, second, third, *_ = live_claims()

    assert queue_next(user=reviewer, filters=QueueFilters(after=first.pk)) == second
    assert queue_next(user=reviewer, filters=QueueFilters(after=second.pk)) == third
    assert queue_next(user=reviewer, filters=QueueFilters(before=third.pk)) == second
    assert queue_next(user=reviewer, filters=QueueFilters(before=first.pk)) is None


def test_the_queue_filters_by_story_outlet_and_status_and_skips_deleted_claims(
    reviewer: User, seed_corpus: Job
) -> None:
    a, b, *_ = Article.objects.order_by("id")
    story = Story.objects.create(name="Talks", slug="talks")
    StoryArticle.objects.create(story=story, article=b)
    outlet = Outlet.objects.create(name="Wire")
    Article.objects.filter(pk=a.pk).update(outlet=outlet)
    contested = b.claims.order_by("id").last()
    assert contested is not None
    review_services.review_record(claim_id=contested.pk, reviewer=reviewer, verdict="contested", rationale="No.")
    gone = b.claims.order_by("id").first()
    assert gone is not None
    edit_services.claim_delete(claim_id=gone.pk, user=reviewer, reason="noise")

    by_story = queue_next(user=reviewer, filters=QueueFilters(story=story))
    by_outlet = queue_next(user=reviewer, filters=QueueFilters(outlet=outlet))
    by_status = queue_next(user=reviewer, filters=QueueFilters(status=ClaimStatus.CONTESTED))

    assert by_story is not None
    assert by_story.article_id == b.pk
    assert by_story != gone
    assert by_outlet is not None
    assert by_outlet.article_id == a.pk
    assert by_status == contested


def test_only_reviewers_take_claims_from_the_queue(viewer: User, seed_corpus: Job) -> None:
    with pytest.raises(PermissionDenied):
        queue_next(user=viewer, filters=QueueFilters())
    assert not ClaimLease.objects.exists()


# --- the queue page ---------------------------------------------------------------------------


def test_the_queue_page_shows_the_next_claim_with_its_verdict_form_and_keys(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    first = live_claims()[0]
    client.force_login(reviewer)

    response = client.get(reverse("claims:queue"))

    assert response.status_code == 200
    assert response.context["claim"] == first
    html = response.content.decode()
    assert 'data-key="next"' in html
    assert 'data-key="prev"' in html
    assert f'name="next" value="/queue/?status=unreviewed&amp;after={first.pk}"' in html
    assert "Record verdict" in html
    assert "Held for you for 10 minutes" in html


def test_two_reviewers_opening_the_queue_page_see_different_claims(
    reviewer: User, second_reviewer: User, seed_corpus: Job
) -> None:
    first, second = Client(), Client()
    first.force_login(reviewer)
    second.force_login(second_reviewer)

    mine = first.get(reverse("claims:queue")).context["claim"]
    theirs = second.get(reverse("claims:queue")).context["claim"]

    assert mine != theirs
    assert first.get(reverse("claims:queue")).context["claim"] == mine  # a reload keeps my claim


def test_a_verdict_from_the_queue_goes_on_to_the_next_claim(client: Client, reviewer: User, seed_corpus: Job) -> None:
    first, second, *_ = live_claims()
    client.force_login(reviewer)
    page = client.get(reverse("claims:queue"))
    back = f"/queue/?status=unreviewed&after={first.pk}"

    response = client.post(
        reverse("claims:claim-detail", args=[first.pk]),
        {"verdict": "corroborated", "rationale": "Matches the wires.", "version": first.version, "next": back},
    )

    assert page.context["claim"] == first
    assert response.status_code == 302
    assert response["Location"] == back
    following = client.get(response["Location"])
    assert following.context["claim"] == second
    assert "Recorded your verdict: corroborated." in following.content.decode()


def test_an_evidence_decision_from_the_queue_stays_on_the_claim(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    first = live_claims()[0]
    evidence = first.evidence.first()
    assert evidence is not None
    client.force_login(reviewer)
    client.get(reverse("claims:queue"))

    response = client.post(
        reverse("claims:evidence-decide", args=[evidence.pk]),
        {"decision": "rejected", "next": "/queue/?status=unreviewed"},
    )

    # Back in the queue at the next link to decide (or the evidence), not at the top of the page.
    assert re.fullmatch(r"/queue/\?status=unreviewed#evidence-(\d+|heading)", response["Location"])
    assert client.get(response["Location"]).context["claim"] == first


def test_a_next_pointing_off_site_is_ignored(client: Client, reviewer: User, seed_corpus: Job) -> None:
    claim = live_claims()[0]
    client.force_login(reviewer)

    response = client.post(
        reverse("claims:claim-detail", args=[claim.pk]),
        {"verdict": "contested", "rationale": "No.", "version": claim.version, "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("claims:claim-detail", args=[claim.pk])


def test_the_queue_page_says_when_nothing_is_left(client: Client, reviewer: User, seed_corpus: Job) -> None:
    client.force_login(reviewer)
    last = live_claims()[-1]

    end = client.get(reverse("claims:queue"), {"after": last.pk})
    nothing = client.get(reverse("claims:queue"), {"status": "corroborated"})

    assert end.context["claim"] is None
    assert "No more claims that way." in end.content.decode()
    assert "Nothing to review here." in nothing.content.decode()


def test_leaving_the_queue_releases_the_claim(client: Client, reviewer: User, seed_corpus: Job) -> None:
    client.force_login(reviewer)
    client.get(reverse("claims:queue"))
    assert ClaimLease.objects.filter(user=reviewer).exists()

    response = client.post(reverse("claims:queue-release"))

    assert response.status_code == 302
    assert response["Location"] == reverse("claims:dashboard")
    assert not ClaimLease.objects.exists()


def test_a_viewer_cannot_open_the_queue(client: Client, viewer: User, seed_corpus: Job) -> None:
    client.force_login(viewer)

    assert client.get(reverse("claims:queue")).status_code == 403
    assert client.post(reverse("claims:queue-release")).status_code == 403
    assert not ClaimLease.objects.exists()


def test_the_queue_page_makes_a_fixed_number_of_queries(
    client: Client, reviewer: User, second_reviewer: User, seed_corpus: Job, django_assert_max_num_queries
) -> None:
    held = [queue_next(user=user_with_role(f"holder-{n}", Role.REVIEWER), filters=QueueFilters()) for n in range(3)]
    assert None not in held
    story = Story.objects.create(name="Talks", slug="talks")
    StoryArticle.objects.bulk_create([StoryArticle(story=story, article=a) for a in Article.objects.all()])
    client.force_login(reviewer)
    # session, user, groups, filter form (story, outlet), held lease?, candidates, savepoint + lease insert
    # + release others + claim, then the claim view's reads (spans, neighbours, evidence, reviews, decisions,
    # revisions, duplicate group, corroborating reports, copies among them); the review desk adds the filter
    # form's reviewers, the mention count, why this claim (one query), and the claim's desk (assignments,
    # comments, checklist steps, reviewers to assign to); the verdict form's ratings.
    with django_assert_max_num_queries(33):
        response = client.get(reverse("claims:queue"), {"story": "talks"})
    assert response.context["claim"] not in held
    assert response.context["claim"] is not None
    assert timedelta(minutes=10) == lease_services.LEASE_TTL
