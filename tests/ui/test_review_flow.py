"""Review flows in real headless Chromium over a live server, on the seed corpus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import BrowserContext, Page, expect

from claims.models import Claim, ClaimStatus, Job, JobKind, JobState, Review
from sources.models import Article
from tests.ui.conftest import PASSWORD, ConsoleErrors
from tests.ui.helpers import HAMAS, QATAR_ARTICLE, log_in, open_hamas_claim

pytestmark = [pytest.mark.browser]


def test_a_reviewer_contests_a_claim_from_the_article_reader(
    live_server, page: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job
) -> None:
    log_in(page, live_server.url, reviewer.username)
    expect(page.get_by_role("heading", name="Articles")).to_be_visible()
    expect(page.locator("table.articles tbody tr")).to_have_count(5)
    expect(page.get_by_text(re.compile(rf"Job {seed_corpus.pk}\b"))).to_be_visible()

    page.get_by_role("link", name=QATAR_ARTICLE).click()
    highlighted = page.locator("a.claim", has_text=HAMAS)
    expect(highlighted).to_have_class(re.compile(r"\bclaim--unreviewed\b"))
    # The stylesheet loaded under the strict CSP: an unreviewed claim is underlined with dots.
    assert highlighted.evaluate("e => getComputedStyle(e).borderBottomStyle") == "dotted"
    expect(page.locator(".sentence--title")).to_have_class(re.compile(r"\bsentence--muted\b"))

    highlighted.click()
    expect(page.locator(".claim-head .status")).to_have_text("Unreviewed")
    expect(page.locator(".context mark")).to_contain_text(HAMAS)
    # The matching job that followed ingestion linked reports of other articles.
    sources = page.locator(".evidence__item .evidence__source a").all_inner_texts()
    assert len(set(sources)) > 1, sources

    page.get_by_label(re.compile(r"^\s*False\b")).check()
    page.get_by_label("Rationale").fill("Other reports say a delegation was sent; not confirmed.")
    page.get_by_role("button", name="Record verdict").click()

    expect(page.get_by_role("status")).to_have_text("Recorded your verdict: false (contested).")
    expect(page.locator(".claim-head .status")).to_have_text("Contested")
    latest = page.locator(".history__entry").first
    expect(latest).to_contain_text("False (contested) by rita-reviewer")
    expect(latest).to_contain_text("Other reports say a delegation was sent; not confirmed.")
    claim = Claim.objects.get(text__contains=HAMAS)
    assert claim.status == ClaimStatus.CONTESTED

    page.locator(".breadcrumb").get_by_role("link", name=QATAR_ARTICLE).click()
    contested = page.locator("a.claim", has_text=HAMAS)
    expect(contested).to_have_class(re.compile(r"\bclaim--contested\b"))
    assert contested.evaluate("e => getComputedStyle(e).borderBottomStyle") == "double"
    assert contested.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    expect(page.locator(".reviewed")).to_contain_text("Contested")
    assert console_errors == []


def test_a_viewer_reads_the_claim_but_gets_no_verdict_form(
    live_server, page: Page, console_errors: ConsoleErrors, viewer: User, seed_corpus: Job
) -> None:
    log_in(page, live_server.url, viewer.username)
    expect(page.locator(".site-nav").get_by_role("link", name="Upload")).to_have_count(0)

    open_hamas_claim(page)

    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page.get_by_role("heading", name="Your verdict")).to_have_count(0)
    expect(page.locator("textarea")).to_have_count(0)
    expect(page.get_by_role("button", name="Record verdict")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^(Confirm|Reject)$"))).to_have_count(0)
    assert console_errors == []


def test_a_second_reviewer_sees_a_conflict_and_keeps_their_rationale(
    live_server, context: BrowserContext, browser, reviewer: User, second_reviewer: User, seed_corpus: Job
) -> None:
    first = context.new_page()
    other_context = browser.new_context()
    second = other_context.new_page()
    try:
        for tab, user in ((first, reviewer), (second, second_reviewer)):
            log_in(tab, live_server.url, user.username)
            open_hamas_claim(tab)  # both open the claim at the same version

        first.get_by_label(re.compile(r"^\s*True\b")).check()
        first.get_by_label("Rationale").fill("Two wire services agree.")
        first.get_by_role("button", name="Record verdict").click()
        expect(first.get_by_role("status")).to_contain_text("corroborated")

        second.get_by_label(re.compile(r"^\s*False\b")).check()
        second.get_by_label("Rationale").fill("The group's own statement says otherwise.")
        second.get_by_role("button", name="Record verdict").click()

        alert = second.get_by_role("alert")
        expect(alert).to_contain_text("Conflict: nothing was saved.")
        expect(alert).to_contain_text("changed by rita-reviewer (corroborated)")
        expect(second.get_by_label("Rationale")).to_have_value("The group's own statement says otherwise.")
        expect(second.locator(".claim-head .status")).to_have_text("Corroborated")
        assert list(Review.objects.values_list("verdict", flat=True)) == ["corroborated"]
    finally:
        other_context.close()


def test_a_reviewer_uploads_a_file_and_watches_the_job(
    live_server, page: Page, console_errors: ConsoleErrors, reviewer: User, tmp_path: Path
) -> None:
    article = tmp_path / "schools.txt"
    article.write_text(
        "Schools reopen in Gaza City\n"
        "The education ministry said on Tuesday that 40 schools in Gaza City would reopen next week.\n",
        encoding="utf-8",
    )
    log_in(page, live_server.url, reviewer.username)

    page.locator(".site-nav").get_by_role("link", name="Upload").click()
    page.get_by_label("Files").set_input_files(article)
    page.get_by_label("Story").fill("Gaza schools")
    page.get_by_role("button", name="Queue for ingestion").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("Queued 1 document(s)")
    expect(page.locator(".page-head .status")).to_have_text("Succeeded")
    expect(page.locator(".items__row")).to_contain_text("schools.txt")
    job = Job.objects.get(kind=JobKind.INGEST)
    assert job.state == JobState.SUCCEEDED

    page.get_by_role("link", name=re.compile(r"^Article \d+$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Schools reopen in Gaza City")
    expect(page.locator("a.claim", has_text="40 schools")).to_be_visible()
    assert Article.objects.get().source_name == "schools.txt"
    assert console_errors == []


def test_an_outsider_gets_a_friendly_403(live_server, page: Page, outsider: User, seed_corpus: Job) -> None:
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill(outsider.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You can’t do that here")
    expect(page.get_by_text("no role in the workbench yet")).to_be_visible()
    expect(page.locator("table.articles")).to_have_count(0)
