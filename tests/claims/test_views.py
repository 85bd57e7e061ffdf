"""The reviewer web interface through Django's test client: roles, reads, writes, uploads."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.models import (
    Claim,
    ClaimStatus,
    Evidence,
    EvidenceDecision,
    EvidenceDecisionChoice,
    ItemState,
    Job,
    JobState,
    Review,
)
from sources.models import Article, Outlet, SentenceKind, Story, StoryArticle

HAMAS = "Hamas refused to send a delegation"
PASSWORD = "correct horse battery"
ARTICLE_TEXT = (
    "Schools reopen in Gaza City\n"
    "The education ministry said on Tuesday that 40 schools in Gaza City would reopen next week.\n"
    "Teachers told reporters that supplies remain short.\n"
)


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def hamas_claim() -> Claim:
    return Claim.objects.get(text__contains=HAMAS)


def page_text(response) -> str:
    return response.content.decode()


# --- access ---------------------------------------------------------------------------


def test_the_login_form_signs_a_user_in_and_goes_to_the_article_list(client: Client, viewer: User) -> None:
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'name="username"' in page_text(page)

    response = client.post(reverse("login"), {"username": viewer.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("claims:article-list")
    assert client.get(reverse("claims:article-list")).status_code == 200


def test_a_wrong_password_shows_an_error_on_the_login_form(client: Client, viewer: User) -> None:
    response = client.post(reverse("login"), {"username": viewer.username, "password": "wrong"})

    assert response.status_code == 200
    assert "alert--error" in page_text(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "url",
    [
        reverse("claims:article-list"),
        reverse("claims:article-detail", args=[1]),
        reverse("claims:claim-detail", args=[1]),
        reverse("claims:upload"),
        reverse("claims:job-detail", args=[1]),
    ],
)
def test_every_page_sends_an_anonymous_visitor_to_log_in(client: Client, db: None, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_outsider_without_role_gets_403(client: Client, outsider: User, seed_corpus: Job) -> None:
    signed_in(client, outsider)
    article = Article.objects.first()
    assert article is not None

    for url in (
        reverse("claims:article-list"),
        reverse("claims:article-detail", args=[article.pk]),
        reverse("claims:claim-detail", args=[hamas_claim().pk]),
        reverse("claims:upload"),
        reverse("claims:job-detail", args=[seed_corpus.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "no role in the workbench yet" in page_text(response), url
        assert article.display_title not in page_text(response)


def test_unknown_claim_is_a_404(client: Client, viewer: User) -> None:
    response = signed_in(client, viewer).get(reverse("claims:claim-detail", args=[999999]))

    assert response.status_code == 404
    assert "Not found" in page_text(response)


def test_unknown_article_and_job_are_404s(client: Client, viewer: User) -> None:
    signed_in(client, viewer)

    assert client.get(reverse("claims:article-detail", args=[999999])).status_code == 404
    assert client.get(reverse("claims:job-detail", args=[999999])).status_code == 404


def test_deciding_unknown_evidence_is_a_404(client: Client, reviewer: User) -> None:
    response = signed_in(client, reviewer).post(
        reverse("claims:evidence-decide", args=[999999]), {"decision": "rejected"}
    )

    assert response.status_code == 404


# --- article list ---------------------------------------------------------------------


def test_the_article_list_shows_each_article_with_sentence_and_claim_counts(
    client: Client, viewer: User, seed_corpus: Job
) -> None:
    article = Article.objects.get(claims__text__contains=HAMAS)
    claims = article.claims.count()

    response = signed_in(client, viewer).get(reverse("claims:article-list"))

    assert response.status_code == 200
    html = page_text(response)
    assert "5 articles" in html
    row = next(r for r in response.context["rows"] if r.article.pk == article.pk)
    assert row.title == "Qatar informs Iran on Gaza ceasefire talks"
    assert row.article.sentence_count == article.sentences.count()
    assert (row.article.claim_count, row.article.unreviewed_count) == (claims, claims)
    assert (row.article.corroborated_count, row.article.contested_count) == (0, 0)
    assert reverse("claims:article-detail", args=[article.pk]) in html
    assert f"Job {seed_corpus.pk}" in html  # recent jobs


def test_the_article_list_counts_claims_by_status(client: Client, reviewer: User, seed_corpus: Job) -> None:
    claim = hamas_claim()
    services.review_record(claim_id=claim.pk, reviewer=reviewer, verdict="contested", rationale="No delegation sent.")

    response = signed_in(client, reviewer).get(reverse("claims:article-list"))

    row = next(r for r in response.context["rows"] if r.article.pk == claim.article_id)
    assert row.article.contested_count == 1
    assert row.article.unreviewed_count == row.article.claim_count - 1


def test_the_article_list_filters_by_story_and_by_outlet(client: Client, viewer: User, seed_corpus: Job) -> None:
    first, second, *_ = Article.objects.order_by("id")
    story = Story.objects.create(name="Ceasefire talks", slug="ceasefire-talks")
    StoryArticle.objects.create(story=story, article=first)
    outlet = Outlet.objects.create(name="Tehran Times")
    Article.objects.filter(pk=second.pk).update(outlet=outlet)
    signed_in(client, viewer)

    by_story = client.get(reverse("claims:article-list"), {"story": "ceasefire-talks"})
    by_outlet = client.get(reverse("claims:article-list"), {"outlet": outlet.pk})

    assert [r.article.pk for r in by_story.context["rows"]] == [first.pk]
    assert "in Ceasefire talks" in page_text(by_story)
    assert [r.article.pk for r in by_outlet.context["rows"]] == [second.pk]
    assert "Tehran Times" in page_text(by_outlet)


def test_an_unknown_filter_value_is_reported_not_a_500(client: Client, viewer: User, seed_corpus: Job) -> None:
    response = signed_in(client, viewer).get(reverse("claims:article-list"), {"story": "no-such-story", "outlet": "x"})

    assert response.status_code == 200
    assert "Showing all articles" in page_text(response)
    assert len(response.context["rows"]) == 5


def test_the_article_list_pages_by_fifty(client: Client, viewer: User) -> None:
    for n in range(51):
        Article.objects.create(body=f"Article number {n}.", content_hash=f"{n:064d}", title=f"Article {n}")
    signed_in(client, viewer)

    first = client.get(reverse("claims:article-list"))
    second = client.get(reverse("claims:article-list"), {"page": 2})

    assert len(first.context["rows"]) == 50
    assert "Page 1 of 2" in page_text(first)
    assert len(second.context["rows"]) == 1
    assert second.context["rows"][0].title == "Article 0"  # oldest last: highest id first


# --- article reader ---------------------------------------------------------------------


def test_the_reader_highlights_sentences_with_claims_by_status_and_links_them(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    claim = hamas_claim()
    services.review_record(claim_id=claim.pk, reviewer=reviewer, verdict="contested", rationale="No delegation sent.")
    other = claim.article.claims.exclude(pk=claim.pk).first()
    assert other is not None

    response = signed_in(client, reviewer).get(reverse("claims:article-detail", args=[claim.article_id]))

    html = page_text(response)
    url = reverse("claims:claim-detail", args=[claim.pk])
    link = re.search(rf'<a class="claim claim--(\w+)" href="{url}"[^>]*>([^<]*)</a>', html)
    assert link is not None
    assert link.group(1) == "contested"
    assert HAMAS in link.group(2)
    assert f'<a class="claim claim--unreviewed" href="{reverse("claims:claim-detail", args=[other.pk])}"' in html


def test_the_reader_shows_every_sentence_by_paragraph_and_mutes_the_headline(
    client: Client, viewer: User, seed_corpus: Job
) -> None:
    article = hamas_claim().article
    title = article.sentences.get(kind=SentenceKind.TITLE)

    response = signed_in(client, viewer).get(reverse("claims:article-detail", args=[article.pk]))

    paragraphs = response.context["paragraphs"]
    assert sum(len(p.sentences) for p in paragraphs) == article.sentences.count()
    assert len(paragraphs) == len(set(article.sentences.values_list("paragraph", flat=True)))
    assert re.search(
        rf'<span class="sentence sentence--title sentence--muted" id="s{title.position}"', page_text(response)
    )


def test_the_reader_shows_the_article_metadata(client: Client, viewer: User, seed_corpus: Job) -> None:
    article = hamas_claim().article
    story = Story.objects.create(name="Ceasefire talks", slug="ceasefire-talks")
    StoryArticle.objects.create(story=story, article=article)

    html = page_text(signed_in(client, viewer).get(reverse("claims:article-detail", args=[article.pk])))

    assert article.source_name in html
    assert "000_5614b18390f512d7.txt" in html
    assert "?story=ceasefire-talks" in html


# --- claim view -------------------------------------------------------------------------


def test_the_claim_view_marks_the_exact_span_in_its_sentence_and_lists_evidence(
    client: Client, viewer: User, seed_corpus: Job
) -> None:
    claim = hamas_claim()
    span = claim.spans.select_related("sentence").get()

    response = signed_in(client, viewer).get(reverse("claims:claim-detail", args=[claim.pk]))

    html = page_text(response)
    marked = claim.article.body[span.start : span.end]
    assert f"<mark>{marked}</mark>" in html
    evidence = claim.evidence.get()
    assert f'id="evidence-{evidence.pk}"' in html
    assert "Sentence the claim was extracted from" in html  # method
    assert "Supports" in html
    assert "1.00" in html  # score


def test_a_viewer_does_not_see_the_verdict_form_or_evidence_buttons(
    client: Client, viewer: User, seed_corpus: Job
) -> None:
    html = page_text(signed_in(client, viewer).get(reverse("claims:claim-detail", args=[hamas_claim().pk])))

    assert 'name="rationale"' not in html
    assert "Record verdict" not in html
    assert "/decide/" not in html
    assert reverse("claims:upload") not in html


def test_a_reviewer_sees_the_verdict_form_with_the_claim_version(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    claim = hamas_claim()

    html = page_text(signed_in(client, reviewer).get(reverse("claims:claim-detail", args=[claim.pk])))

    assert 'name="rationale"' in html
    assert f'<input type="hidden" name="version" value="{claim.version}"' in html
    assert "/decide/" in html


def test_a_reviewer_records_a_verdict_and_sees_it_in_the_history(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    claim = hamas_claim()
    url = reverse("claims:claim-detail", args=[claim.pk])
    signed_in(client, reviewer)

    response = client.post(
        url, {"verdict": "contested", "rationale": "Reuters says a delegation did go.", "version": claim.version}
    )

    assert response.status_code == 302
    assert response["Location"] == url
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CONTESTED
    review = Review.objects.get(claim=claim)
    assert (review.reviewer, review.verdict) == (reviewer, "contested")
    page = client.get(url)
    html = page_text(page)
    assert "Recorded your verdict: contested." in html
    assert "Reuters says a delegation did go." in html
    assert 'class="status status--contested">Contested</span> by <strong>rita-reviewer</strong>' in html


def test_a_viewer_cannot_record_a_verdict(client: Client, viewer: User, seed_corpus: Job) -> None:
    claim = hamas_claim()

    response = signed_in(client, viewer).post(
        reverse("claims:claim-detail", args=[claim.pk]),
        {"verdict": "contested", "rationale": "I should not be able to.", "version": claim.version},
    )

    assert response.status_code == 403
    assert "Only reviewers" in page_text(response)
    assert not Review.objects.exists()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.UNREVIEWED


def test_it_rejects_a_verdict_without_rationale(client: Client, reviewer: User, seed_corpus: Job) -> None:
    claim = hamas_claim()

    response = signed_in(client, reviewer).post(
        reverse("claims:claim-detail", args=[claim.pk]),
        {"verdict": "corroborated", "rationale": "   ", "version": claim.version},
    )

    assert response.status_code == 400
    assert "A rationale is required: say why." in page_text(response)
    assert not Review.objects.exists()


def test_it_rejects_a_verdict_that_is_not_one_of_the_choices(client: Client, reviewer: User, seed_corpus: Job) -> None:
    claim = hamas_claim()

    response = signed_in(client, reviewer).post(
        reverse("claims:claim-detail", args=[claim.pk]),
        {"verdict": "unreviewed", "rationale": "Resetting it.", "version": claim.version},
    )

    assert response.status_code == 400
    assert "Select a valid choice" in page_text(response)
    assert not Review.objects.exists()


def test_a_verdict_without_its_version_asks_for_a_reload(client: Client, reviewer: User, seed_corpus: Job) -> None:
    claim = hamas_claim()

    response = signed_in(client, reviewer).post(
        reverse("claims:claim-detail", args=[claim.pk]), {"verdict": "contested", "rationale": "No version sent."}
    )

    assert response.status_code == 400
    assert "reload the page and try again" in page_text(response)
    assert "No version sent.</textarea>" in page_text(response)
    assert not Review.objects.exists()


def test_a_stale_version_shows_a_conflict_and_keeps_the_first_verdict(
    client: Client, reviewer: User, second_reviewer: User, seed_corpus: Job
) -> None:
    claim = hamas_claim()
    opened_at = claim.version  # both reviewers open the claim at this version
    url = reverse("claims:claim-detail", args=[claim.pk])
    first = Client()
    signed_in(first, reviewer).post(
        url, {"verdict": "corroborated", "rationale": "Two wires agree.", "version": opened_at}
    )

    response = signed_in(client, second_reviewer).post(
        url, {"verdict": "contested", "rationale": "Al Jazeera says otherwise.", "version": opened_at}
    )

    assert response.status_code == 409
    html = page_text(response)
    assert "Conflict: nothing was saved." in html
    assert "changed by rita-reviewer (corroborated) after you opened it" in html
    assert "Al Jazeera says otherwise.</textarea>" in html  # the second reviewer's rationale is kept
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CORROBORATED
    assert list(Review.objects.values_list("reviewer__username", "verdict")) == [("rita-reviewer", "corroborated")]
    # The re-shown form carries the current version: sending it again is a deliberate second verdict.
    assert f'name="version" value="{claim.version}"' in html
    assert "Two wires agree." in html  # the history now shows the first verdict


def test_a_deleted_claim_is_hidden_from_the_reader_and_the_counts_and_takes_no_verdict(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    claim = hamas_claim()
    live = claim.article.claims.count() - 1
    Claim.objects.filter(pk=claim.pk).update(deleted_at=timezone.now())
    signed_in(client, reviewer)

    reader = page_text(client.get(reverse("claims:article-detail", args=[claim.article_id])))
    listing = client.get(reverse("claims:article-list"))
    page = client.get(reverse("claims:claim-detail", args=[claim.pk]))
    post = client.post(
        reverse("claims:claim-detail", args=[claim.pk]),
        {"verdict": "contested", "rationale": "Too late.", "version": claim.version},
    )

    assert f'href="{reverse("claims:claim-detail", args=[claim.pk])}"' not in reader
    assert HAMAS in reader  # the sentence is still part of the article text
    row = next(r for r in listing.context["rows"] if r.article.pk == claim.article_id)
    assert row.article.claim_count == row.article.unreviewed_count == live
    assert page.status_code == 200
    assert "hidden from the article, kept here for its history" in page_text(page)
    assert 'name="rationale"' not in page_text(page)
    assert post.status_code == 409
    assert "This claim was deleted, so it takes no verdict." in page_text(post)
    assert not Review.objects.exists()


# --- evidence decisions -----------------------------------------------------------------


def test_a_reviewer_rejects_and_confirms_evidence_and_both_show_in_the_history(
    client: Client, reviewer: User, seed_corpus: Job
) -> None:
    claim = hamas_claim()
    evidence = claim.evidence.get()
    signed_in(client, reviewer)
    decide = reverse("claims:evidence-decide", args=[evidence.pk])

    rejected = client.post(decide, {"decision": "rejected"})
    confirmed = client.post(decide, {"decision": "confirmed", "note": "Checked the original."})

    assert rejected.status_code == confirmed.status_code == 302
    assert confirmed["Location"] == reverse("claims:claim-detail", args=[claim.pk]) + f"#evidence-{evidence.pk}"
    evidence.refresh_from_db()
    assert evidence.decision == EvidenceDecisionChoice.CONFIRMED
    assert list(EvidenceDecision.objects.order_by("id").values_list("decision", flat=True)) == ["rejected", "confirmed"]
    html = page_text(client.get(reverse("claims:claim-detail", args=[claim.pk])))
    history = html[html.index('id="history-heading"') :]
    assert history.index("Confirmed evidence") < history.index("Rejected evidence")  # newest first
    assert "Checked the original." in history


def test_a_viewer_cannot_decide_evidence(client: Client, viewer: User, seed_corpus: Job) -> None:
    evidence = Evidence.objects.first()
    assert evidence is not None

    response = signed_in(client, viewer).post(
        reverse("claims:evidence-decide", args=[evidence.pk]), {"decision": "rejected"}
    )

    assert response.status_code == 403
    assert not EvidenceDecision.objects.exists()


def test_an_evidence_decision_must_be_confirm_or_reject(client: Client, reviewer: User, seed_corpus: Job) -> None:
    evidence = Evidence.objects.first()
    assert evidence is not None
    signed_in(client, reviewer)

    assert (
        client.post(reverse("claims:evidence-decide", args=[evidence.pk]), {"decision": "pending"}).status_code == 400
    )
    assert client.get(reverse("claims:evidence-decide", args=[evidence.pk])).status_code == 405
    assert not EvidenceDecision.objects.exists()


# --- upload and jobs --------------------------------------------------------------------


def test_upload_of_a_file_creates_a_job_and_the_article(
    client: Client, reviewer: User, django_capture_on_commit_callbacks
) -> None:
    upload = SimpleUploadedFile("schools.txt", ARTICLE_TEXT.encode(), content_type="text/plain")
    signed_in(client, reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("claims:upload"), {"uploads": [upload], "story": "Gaza schools"})

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:job-detail", args=[job.pk])
    assert (job.state, job.done, job.total, job.created_by) == (JobState.SUCCEEDED, 1, 1, reviewer)
    article = Article.objects.get()
    assert article.source_name == "schools.txt"
    assert article.title == "Schools reopen in Gaza City"
    assert list(article.stories.values_list("slug", flat=True)) == ["gaza-schools"]
    assert article.claims.filter(text__contains="40 schools").exists()
    page = client.get(response["Location"])
    html = page_text(page)
    assert "Queued 1 document(s) for ingestion" in html
    assert "schools.txt" in html
    assert reverse("claims:article-detail", args=[article.pk]) in html
    assert 'http-equiv="refresh"' not in html  # finished: no more refreshing


def test_pasted_text_with_details_becomes_an_article(
    client: Client, reviewer: User, django_capture_on_commit_callbacks
) -> None:
    signed_in(client, reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("claims:upload"),
            {
                "text": ARTICLE_TEXT,
                "title": "Gaza schools to reopen",
                "outlet": "Example Wire",
                "url": "https://example.org/schools",
                "published_at": "2024-08-16T09:30",
            },
        )

    assert response.status_code == 302
    article = Article.objects.select_related("outlet").get()
    assert (article.title, article.url, article.source_name) == (
        "Gaza schools to reopen",
        "https://example.org/schools",
        "pasted text",
    )
    assert article.outlet is not None
    assert article.outlet.name == "Example Wire"
    assert article.published_at is not None
    assert article.published_at.isoformat() == "2024-08-16T09:30:00+00:00"


def test_upload_of_a_non_utf8_file_reports_the_file_name(client: Client, reviewer: User) -> None:
    latin1 = SimpleUploadedFile("café-report.txt", "Café owners said prices rose 12 percent.".encode("latin-1"))

    response = signed_in(client, reviewer).post(reverse("claims:upload"), {"uploads": [latin1]})

    assert response.status_code == 400
    html = page_text(response)
    assert "Nothing was queued." in html
    assert "café-report.txt: not valid UTF-8" in html
    assert not Job.objects.exists()


def test_an_unreadable_file_among_good_ones_is_a_failed_item_of_the_job(
    client: Client, reviewer: User, django_capture_on_commit_callbacks
) -> None:
    good = SimpleUploadedFile("schools.txt", ARTICLE_TEXT.encode())
    bad = SimpleUploadedFile("broken.json", b"{not json")
    signed_in(client, reviewer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("claims:upload"), {"uploads": [good, bad]})

    assert response.status_code == 302
    job = Job.objects.get()
    assert list(job.items.order_by("position").values_list("source", "state")) == [
        ("schools.txt", ItemState.CREATED),
        ("broken.json", ItemState.FAILED),
    ]
    html = page_text(client.get(response["Location"]))
    assert "broken.json" in html
    assert "malformed JSON" in html


def test_a_file_over_the_size_limit_is_a_form_error_not_a_500(client: Client, reviewer: User, settings) -> None:
    settings.MAX_ARTICLE_BYTES = 100
    big = SimpleUploadedFile("long-read.txt", b"Word " * 50)

    response = signed_in(client, reviewer).post(reverse("claims:upload"), {"uploads": [big]})

    assert response.status_code == 400
    assert "long-read.txt is 250 bytes, over the 100-byte limit for one article." in page_text(response)
    assert not Job.objects.exists()


def test_an_unsupported_file_type_is_a_form_error(client: Client, reviewer: User) -> None:
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.7")

    response = signed_in(client, reviewer).post(reverse("claims:upload"), {"uploads": [pdf]})

    assert response.status_code == 400
    assert "report.pdf: unsupported file type .pdf" in page_text(response)


def test_an_empty_upload_asks_for_a_file_or_text(client: Client, reviewer: User) -> None:
    response = signed_in(client, reviewer).post(reverse("claims:upload"), {"text": "  "})

    assert response.status_code == 400
    assert "Choose at least one file or paste an article" in page_text(response)
    assert not Job.objects.exists()


def test_a_viewer_cannot_upload(client: Client, viewer: User) -> None:
    signed_in(client, viewer)

    assert client.get(reverse("claims:upload")).status_code == 403
    response = client.post(reverse("claims:upload"), {"text": ARTICLE_TEXT})
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_the_job_page_refreshes_itself_while_the_job_is_queued(client: Client, viewer: User) -> None:
    job = Job.objects.create(kind="ingest", total=3, done=1)

    html = page_text(signed_in(client, viewer).get(reverse("claims:job-detail", args=[job.pk])))

    assert '<meta http-equiv="refresh" content="2">' in html
    assert '<progress class="progress" max="3" value="1"' in html
    assert "1 of 3 documents done" in html


# --- query budgets (the seed corpus: pages must not query per row) ------------------------


def test_the_article_list_makes_a_fixed_number_of_queries(
    client: Client, viewer: User, seed_corpus: Job, django_assert_max_num_queries
) -> None:
    signed_in(client, viewer)
    # session, user, groups, count, page, stories, outlets, jobs
    with django_assert_max_num_queries(8):
        response = client.get(reverse("claims:article-list"))
    assert len(response.context["rows"]) == 5


def test_the_article_reader_makes_a_fixed_number_of_queries(
    client: Client, viewer: User, seed_corpus: Job, django_assert_max_num_queries
) -> None:
    article = hamas_claim().article
    assert article.claims.count() > 10  # a per-claim query would blow the budget
    signed_in(client, viewer)
    # session, user, groups, article, stories, claim spans, sentences
    with django_assert_max_num_queries(7):
        response = client.get(reverse("claims:article-detail", args=[article.pk]))
    assert response.status_code == 200


def test_the_claim_view_makes_a_fixed_number_of_queries(
    client: Client,
    reviewer: User,
    second_reviewer: User,
    seed_corpus: Job,
    django_assert_max_num_queries,
) -> None:
    claim = hamas_claim()
    evidence = claim.evidence.get()
    for n, who in enumerate([reviewer, second_reviewer] * 3):
        services.review_record(claim_id=claim.pk, reviewer=who, verdict="contested", rationale=f"Reason {n}.")
        services.evidence_decide(evidence_id=evidence.pk, reviewer=who, decision="confirmed")
    signed_in(client, reviewer)
    # session, user, groups, claim, spans, neighbouring sentences, evidence, reviews, decisions
    with django_assert_max_num_queries(9):
        response = client.get(reverse("claims:claim-detail", args=[claim.pk]))
    assert len(response.context["history"]) == 12


def test_the_job_page_makes_a_fixed_number_of_queries(
    client: Client, viewer: User, seed_corpus: Job, django_assert_max_num_queries
) -> None:
    assert seed_corpus.items.count() == 5  # a per-item query would blow the budget
    signed_in(client, viewer)
    # session, user, groups, job, item count, items
    with django_assert_max_num_queries(6):
        response = client.get(reverse("claims:job-detail", args=[seed_corpus.pk]))
    assert len(response.context["items"]) == 5
