"""A finished ingest job in real headless Chromium: the page tells all-in, some-failed and all-failed apart."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from playwright.sync_api import Locator, Page, expect

from claims.jobs import runner as job_runner
from claims.jobs.ingest import job_create_ingest
from claims.models import Job, JobState
from sources.text.reading import ArticleDocument, ReadError, read_paths
from tests.conftest import SEED_DIR
from tests.ui.conftest import ConsoleErrors
from tests.ui.helpers import log_in

pytestmark = [pytest.mark.browser]

BROKEN = ReadError(source="broken.json", message="malformed JSON at line 1")
LATIN = ReadError(source="latin.txt", message="not valid UTF-8")


def seed_document(index: int) -> ArticleDocument:
    path = sorted(SEED_DIR.glob("*.txt"))[index]
    (doc,) = read_paths([path], max_bytes=settings.MAX_ARTICLE_BYTES)
    assert isinstance(doc, ArticleDocument)
    return doc


def finished_job(documents: Iterable[ArticleDocument | ReadError], user: User) -> Job:
    job = job_create_ingest(documents=documents, created_by=user)
    job_runner.job_run(job_id=job.pk)  # what a worker does; a second run of a finished job changes nothing
    job.refresh_from_db()
    return job


def colours(locator: Locator) -> tuple[str, str]:
    """The badge's background and ink as the browser painted them."""
    background, ink = locator.evaluate("el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]")
    return background, ink


def open_job(page: Page, base_url: str, job: Job) -> Locator:
    page.goto(f"{base_url}/jobs/{job.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Job {job.pk}: Ingest articles")
    return page.locator(".page-head .status").first


def test_a_job_with_a_failed_document_is_finished_with_failures_in_amber_and_lists_the_failure(
    live_server, page: Page, console_errors: ConsoleErrors, reviewer: User
) -> None:
    succeeded = finished_job([seed_document(0)], reviewer)
    partial = finished_job([seed_document(1), BROKEN], reviewer)
    failed = finished_job([BROKEN, LATIN], reviewer)
    assert (succeeded.state, partial.state, failed.state) == (JobState.SUCCEEDED, JobState.PARTIAL, JobState.FAILED)
    log_in(page, live_server.url, reviewer.username)

    badge = open_job(page, live_server.url, succeeded)
    expect(badge).to_have_text("Succeeded")
    expect(badge).to_have_class("status status--succeeded")
    good_badge = colours(badge)

    badge = open_job(page, live_server.url, partial)
    expect(badge).to_have_text("Finished with failures")
    expect(badge).to_have_class("status status--partial")
    expect(page.locator(".page-head")).to_contain_text("1 document failed")
    expect(page.locator(".progress-block progress")).to_have_class("progress progress--partial")
    amber_badge = colours(badge)
    assert amber_badge != good_badge  # amber, not the green of a success
    row = page.locator(".items__row--failed")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("broken.json")
    expect(row).to_contain_text("malformed JSON at line 1")
    expect(page.locator(".items__row--created")).to_have_count(1)

    badge = open_job(page, live_server.url, failed)
    expect(badge).to_have_text("Failed")
    expect(badge).to_have_class("status status--failed")
    expect(page.locator(".page-head")).to_contain_text("2 documents failed")
    expect(page.locator(".progress-block progress")).to_have_class("progress progress--failed")
    red_badge = colours(badge)
    assert len({red_badge, amber_badge, good_badge}) == 3  # red, amber and green: three colours
    rows = page.locator(".items__row--failed")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("malformed JSON at line 1")
    expect(rows.nth(1)).to_contain_text("not valid UTF-8")
    assert console_errors == []
