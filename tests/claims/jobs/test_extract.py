"""Extraction stored: atomic claims with structured facts, and re-runs that respect reviewers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from claims.jobs import ingest as ingest_jobs
from claims.jobs import runner as job_runner
from claims.models import Claim, ClaimEntity, ClaimRevision, Job, JobState, RevisionAction
from claims.services import edits as edit_services
from claims.services import reviews as review_services

pytestmark = pytest.mark.django_db


def hamas_claim() -> Claim:
    return Claim.objects.get(text="Hamas refused to send a delegation")


def test_the_issue_example_is_stored_as_three_claims_with_exact_spans(seed_corpus: Job) -> None:
    refused = hamas_claim()
    killed = Claim.objects.get(text__startswith="Israel killed Hamas’s political Chief Ismail Haniyeh")
    receive = Claim.objects.get(text="Hamas would only receive the results of the negotiations")

    body = refused.article.body
    assert [body[s.start : s.end] for s in refused.spans.all()] == ["Hamas refused to send a delegation"]
    assert receive.attribution[0]["source"] == "Hamas"
    assert {e.key for e in killed.entity_mentions.all()} >= {"ismailhanieh", "israel"}


def test_death_tolls_are_stored_as_quantities_with_qualifiers(seed_corpus: Job) -> None:
    tolls = {
        (q["qualifier"], q["value"])
        for claim in Claim.objects.all()
        for q in claim.quantities
        if q["event"] == "killed" and q["value"] >= 8000
    }

    assert {("at least", 8005.0), ("at least", 37945.0), ("over", 40000.0), ("nearly", 40000.0)} <= tolls
    assert ("more than", 30000.0) in tolls


def test_spellings_of_one_minister_share_an_entity_key_across_articles(seed_corpus: Job) -> None:
    articles = set(ClaimEntity.objects.filter(key="alibaqerikani").values_list("claim__article_id", flat=True))

    assert len(articles) >= 3  # Baqeri (000), Bagheri (001), Kani / Bagheri Kani (003)


def test_re_extraction_adds_nothing_and_keeps_a_reviewers_edit(seed_corpus: Job, reviewer: User) -> None:
    claim = hamas_claim()
    edit_services.claim_edit(claim_id=claim.pk, text="Hamas did not send a delegation to Doha", user=reviewer)
    before = Claim.objects.count()

    job = ingest_jobs.job_create_extract(article_ids=[claim.article_id])
    job_runner.job_run(job_id=job.pk)

    claim.refresh_from_db()
    assert Job.objects.get(pk=job.pk).state == JobState.SUCCEEDED
    assert Claim.objects.count() == before
    assert claim.text == "Hamas did not send a delegation to Doha"
    assert claim.edited_by == reviewer
    revision = ClaimRevision.objects.get(claim=claim)
    assert (revision.action, revision.text_before) == (RevisionAction.EDITED, "Hamas refused to send a delegation")


def test_a_deleted_claim_stays_deleted_after_re_extraction(seed_corpus: Job, reviewer: User) -> None:
    claim = hamas_claim()
    edit_services.claim_delete(claim_id=claim.pk, user=reviewer, reason="duplicate of the Doha talks claim")

    job = ingest_jobs.job_create_extract(article_ids=[claim.article_id])
    job_runner.job_run(job_id=job.pk)

    claim.refresh_from_db()
    assert claim.deleted_at is not None
    assert Claim.objects.filter(text="Hamas refused to send a delegation").count() == 1


def test_a_split_keeps_the_spans_and_the_original_with_its_history(seed_corpus: Job, reviewer: User) -> None:
    claim = Claim.objects.get(text__startswith="Israel killed Hamas’s political Chief")

    parts = edit_services.claim_split(
        claim_id=claim.pk, texts=["Israel killed Ismail Haniyeh", "Haniyeh was killed in Tehran"], user=reviewer
    )

    claim.refresh_from_db()
    assert claim.deleted_at is not None
    assert [p.split_from_id for p in parts] == [claim.pk, claim.pk]
    for part in parts:
        assert list(part.spans.values_list("start", "end")) == list(claim.spans.values_list("start", "end"))
        assert part.evidence.count() == 1
    assert claim.revisions.get().action == RevisionAction.SPLIT


def test_a_reviewer_adds_a_claim_the_extractor_missed(seed_corpus: Job, reviewer: User) -> None:
    sentence = hamas_claim().spans.get().sentence

    added = edit_services.claim_add(
        sentence_id=sentence.pk, text="Hamas stayed away from the Doha talks", user=reviewer
    )

    assert added.origin == "manual"
    assert added.spans.get().sentence_id == sentence.pk
    assert added.revisions.get().action == RevisionAction.CREATED


def test_a_viewer_cannot_edit_claims(seed_corpus: Job, viewer: User) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        edit_services.claim_edit(claim_id=hamas_claim().pk, text="anything", user=viewer)


def test_claim_revisions_are_append_only(seed_corpus: Job, reviewer: User) -> None:
    from django.db import DatabaseError, transaction

    edit_services.claim_edit(claim_id=hamas_claim().pk, text="Hamas sent no delegation", user=reviewer)
    revision = ClaimRevision.objects.get()

    with pytest.raises(DatabaseError), transaction.atomic():
        ClaimRevision.objects.filter(pk=revision.pk).update(note="rewritten")


def test_rewording_a_reviewed_claim_sends_it_back_for_review_and_keeps_the_verdict_in_history(
    seed_corpus: Job, reviewer: User
) -> None:
    claim = hamas_claim()
    review_services.review_record(
        claim_id=claim.pk, reviewer=reviewer, verdict="corroborated", rationale="Two outlets."
    )

    edited = edit_services.claim_edit(claim_id=claim.pk, text="Hamas refused to send any delegation", user=reviewer)

    assert edited.status == "unreviewed"
    assert list(edited.reviews.values_list("verdict", flat=True)) == ["corroborated"]


def test_a_claim_longer_than_the_limit_or_a_split_into_too_many_parts_is_refused(
    seed_corpus: Job, reviewer: User
) -> None:
    claim = hamas_claim()

    with pytest.raises(ValidationError, match="at most 2,000 characters"):
        edit_services.claim_edit(claim_id=claim.pk, text="word " * 500, user=reviewer)
    with pytest.raises(ValidationError, match="at most 20 claims"):
        edit_services.claim_split(claim_id=claim.pk, texts=[f"part {n}" for n in range(21)], user=reviewer)
    assert Claim.objects.filter(split_from=claim).count() == 0


def test_a_deleted_claim_takes_no_verdict(seed_corpus: Job, reviewer: User) -> None:
    claim = hamas_claim()
    edit_services.claim_delete(claim_id=claim.pk, user=reviewer, reason="duplicate")

    with pytest.raises(ValidationError, match="deleted"):
        review_services.review_record(claim_id=claim.pk, reviewer=reviewer, verdict="contested", rationale="No.")
    assert not claim.reviews.exists()
