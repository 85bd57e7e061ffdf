"""A finished ingest job in real headless Chromium: the page tells all-in, some-failed and all-failed apart."""

from __future__ import annotations

import struct
import zlib
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


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def centre_pixel(png: bytes) -> tuple[int, int, int]:
    """The RGB of a screenshot's centre: no image library is installed, and a PNG is short to decode."""
    width, height, _depth, colour_type = struct.unpack(">IIBB", png[16:26])
    bpp = 4 if colour_type == 6 else 3
    chunks, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        if png[pos + 4 : pos + 8] == b"IDAT":
            chunks.append(png[pos + 8 : pos + 8 + length])
        pos += 12 + length
    raw, stride, prev = zlib.decompress(b"".join(chunks)), width * bpp, bytearray(width * bpp)
    for y in range(height // 2 + 1):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left, up, up_left = line[i - bpp] if i >= bpp else 0, prev[i], prev[i - bpp] if i >= bpp else 0
            add = (0, left, up, (left + up) // 2, _paeth(left, up, up_left))[kind]
            line[i] = (line[i] + add) & 0xFF
        prev = line
    x = (width // 2) * bpp
    return prev[x], prev[x + 1], prev[x + 2]


def bar_colour(page: Page) -> tuple[int, int, int]:
    """The finished job's bar is full, so its middle is painted in the bar's value colour."""
    return centre_pixel(page.locator(".progress-block progress").screenshot(animations="disabled"))


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
    good_badge, good_bar = colours(badge), bar_colour(page)

    badge = open_job(page, live_server.url, partial)
    expect(badge).to_have_text("Finished with failures")
    expect(badge).to_have_class("status status--partial")
    expect(page.locator(".page-head")).to_contain_text("1 document failed")
    expect(page.locator(".progress-block progress")).to_have_class("progress progress--partial")
    amber_badge, amber_bar = colours(badge), bar_colour(page)
    assert amber_badge != good_badge  # amber, not the green of a success
    assert amber_bar != good_bar
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
    red_badge, red_bar = colours(badge), bar_colour(page)
    assert len({red_badge, amber_badge, good_badge}) == 3  # red, amber and green: three colours
    assert len({red_bar, amber_bar, good_bar}) == 3
    rows = page.locator(".items__row--failed")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("malformed JSON at line 1")
    expect(rows.nth(1)).to_contain_text("not valid UTF-8")
    assert console_errors == []
