"""Chromium at 390 and 1366 px: values read from the text are marked, their words a hover away, nothing overflows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, ViewportSize, expect

from tests.claims.selectors.test_inferred_dates import FACT, fact_claim, ingest, supported_by
from tests.claims.views.test_inferred_metadata_screen import PRINTED
from tests.ui.conftest import ConsoleErrors
from tests.ui.helpers import log_in
from tests.ui.test_narrow_layout import LAPTOP, PHONE, page_width

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390px", "1366px"])
def test_inferred_values_are_marked_on_the_article_and_the_claim_timeline(
    live_server, page: Page, console_errors: ConsoleErrors, viewer: User, size: ViewportSize, tmp_path: Path
) -> None:
    printed = ingest("printed.txt", PRINTED)
    given = ingest("given.txt", f"Talks in Doha\n{FACT}, officials said.", datetime(2013, 5, 5, 8, 0, tzinfo=UTC))
    claim = fact_claim(given)
    supported_by(claim, printed)
    page.set_viewport_size(size)
    log_in(page, live_server.url, viewer.username)

    page.goto(f"{live_server.url}/articles/{printed.pk}/")
    published = page.locator(".meta div", has_text="Published")
    expect(published.locator(".inferred__tag")).to_have_text("inferred")
    expect(published.locator(".inferred")).to_have_attribute(
        "title", "Inferred from the text: “May 2, 2013” (the date printed at its head). Not given with the article."
    )
    expect(page.locator(".inferred-details")).to_contain_text("Credits Mehr News Agency")
    assert page_width(page) <= size["width"]
    page.screenshot(path=str(tmp_path / f"article-{size['width']}.png"), full_page=False)

    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    expect(page.locator("circle.timeline__dot--inferred")).to_have_count(1)
    expect(page.locator(".key--inferred")).to_be_visible()
    assert page_width(page) <= size["width"]
    page.locator(".timeline").scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / f"claim-{size['width']}.png"), full_page=False)
    assert console_errors == []
