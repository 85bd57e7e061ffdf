"""Rating scale to ClaimReview, in real headless Chromium: a reviewer picks a rating of the newsroom's
scale on the claim page, and the ClaimReview export carries it; the page says when it cannot be published."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, ViewportSize, expect

from claims.models import Claim, Job, Review
from sources.models import Article
from tests.ui.conftest import ConsoleErrors
from tests.ui.helpers import HAMAS, log_in, open_hamas_claim

pytestmark = [pytest.mark.browser]

PHONE = ViewportSize(width=390, height=844)
LAPTOP = ViewportSize(width=1366, height=900)
ARTICLE_URL = "https://www.tehrantimes.com/news/500001/qatar-informs-iran-on-gaza-ceasefire-talks"
# Where the screenshots go for a person to look at (var/ is not committed).
SHOTS = Path(os.environ.get("RATING_SHOTS_DIR", "var/shots"))


def tab(browser: Browser, console_errors: ConsoleErrors, size: ViewportSize) -> Iterator[Page]:
    ctx = browser.new_context(viewport=size)
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    page.on("console", console_errors.record)
    yield page
    ctx.close()


@pytest.fixture
def laptop(browser: Browser, console_errors: ConsoleErrors) -> Iterator[Page]:
    yield from tab(browser, console_errors, LAPTOP)


@pytest.fixture
def phone(browser: Browser, console_errors: ConsoleErrors) -> Iterator[Page]:
    yield from tab(browser, console_errors, PHONE)


@pytest.fixture
def newsroom(settings: Any, seed_corpus: Job) -> Claim:
    """A newsroom that publishes its fact-checks, and the Hamas claim's article at its public address."""
    settings.CLAIMREVIEW_AUTHOR_NAME = "Gaza Desk Checks"
    settings.CLAIMREVIEW_AUTHOR_URL = "https://checks.example/"
    settings.CLAIMREVIEW_URL_TEMPLATE = "https://checks.example/fact-checks/{claim}"
    claim = Claim.objects.filter(text__startswith=HAMAS, deleted_at__isnull=True).order_by("id").first()
    assert claim is not None
    Article.objects.filter(pk=claim.article_id).update(url=ARTICLE_URL)
    return claim


def test_a_reviewer_picks_a_rating_and_the_claimreview_export_carries_it(
    live_server, laptop: Page, console_errors: ConsoleErrors, reviewer: User, newsroom: Claim, settings: Any
) -> None:
    page = laptop
    log_in(page, live_server.url, reviewer.username)
    open_hamas_claim(page)
    panel = page.locator(".claimreview")
    expect(panel).to_contain_text("No verdict yet, so there is no ClaimReview to publish.")
    # The newsroom's scale, in its order, each rating a radio of the verdict form.
    labels = page.locator(".verdict-form fieldset label").all_inner_texts()
    assert [re.sub(r"\s+[cx]$", "", t.strip()) for t in labels] == [
        "True",
        "Mostly true",
        "Misleading",
        "False",
        "Unproven",
    ]

    page.get_by_label(re.compile(r"^\s*Misleading\b")).check()
    page.get_by_label("Rationale").fill("A delegation did go to Cairo the week after; the refusal was for one round.")
    page.get_by_role("button", name="Record verdict").click()

    expect(page.get_by_role("status")).to_have_text("Recorded your verdict: misleading (contested).")
    expect(page.locator(".claim-head .status")).to_have_text("Contested")
    expect(page.locator(".history__entry").first).to_contain_text("Misleading (contested) by rita-reviewer")
    expect(panel.locator("#claimreview-state")).to_have_text("Ready to publish.")
    expect(panel).to_contain_text("Misleading")
    expect(panel).to_contain_text("2 on 1–5")
    expect(panel).to_contain_text("Gaza Desk Checks")
    expect(panel.locator(".claimreview__url")).to_have_text(f"https://checks.example/fact-checks/{newsroom.pk}")
    review = Review.objects.get(claim=newsroom)
    assert review.rating is not None
    assert (review.rating.slug, review.verdict) == ("misleading", "contested")

    # The export the panel links to, read with the reviewer's session, carries the rating.
    export = page.locator(".claimreview").get_by_role("link", name="ClaimReview JSON-LD")
    href = export.get_attribute("href")
    assert href == f"/api/v1/claims/{newsroom.pk}/claimreview/"
    response = page.request.get(live_server.url + href, headers={"Accept": "application/ld+json"})
    assert response.status == 200
    doc = response.json()
    assert doc["@type"] == "ClaimReview"
    assert doc["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 2,
        "worstRating": 1,
        "bestRating": 5,
        "alternateName": "Misleading",
    }
    assert doc["url"] == f"https://checks.example/fact-checks/{newsroom.pk}"
    assert doc["author"] == {"@type": "Organization", "name": "Gaza Desk Checks", "url": "https://checks.example/"}
    assert doc["itemReviewed"]["appearance"][0]["url"] == ARTICLE_URL
    assert doc["claimReviewed"] == newsroom.text

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#claimreview-heading").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "rating-claimreview-1366.png"))

    # Without a public address for the fact-check the page says why it cannot be published.
    settings.CLAIMREVIEW_URL_TEMPLATE = ""
    page.reload()
    expect(panel.locator("#claimreview-state")).to_contain_text("Cannot be published yet:")
    expect(panel).to_contain_text("No public address for the fact-check: set CLAIMREVIEW_URL_TEMPLATE.")
    assert console_errors == []


def test_at_390_px_the_ratings_and_the_claimreview_panel_fit_the_screen(
    live_server, phone: Page, console_errors: ConsoleErrors, reviewer: User, newsroom: Claim
) -> None:
    log_in(phone, live_server.url, reviewer.username)
    phone.goto(f"{live_server.url}/claims/{newsroom.pk}/")
    phone.get_by_label(re.compile(r"^\s*Unproven\b")).check()
    phone.get_by_label("Rationale").fill("No second source for the refusal.")
    phone.get_by_role("button", name="Record verdict").click()
    expect(phone.get_by_role("status")).to_have_text("Recorded your verdict: unproven.")
    expect(phone.locator(".claim-head .status")).to_have_text("Unproven")
    panel = phone.locator(".claimreview")
    expect(panel).to_contain_text("3 on 1–5")
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    box = panel.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.locator("#verdict-heading").scroll_into_view_if_needed()
    phone.screenshot(path=str(SHOTS / "rating-form-390.png"))
    phone.locator("#claimreview-heading").scroll_into_view_if_needed()
    phone.screenshot(path=str(SHOTS / "rating-claimreview-390.png"))
    assert console_errors == []
