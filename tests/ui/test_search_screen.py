"""Search by meaning in real headless Chromium: a paraphrase finds the claim it means, at 1366 and 390 px."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from claims.models import Job
from claims.services import indexing as indexing_services
from tests.claims.helpers import all_claim_ids
from tests.ui.conftest import ConsoleErrors
from tests.ui.helpers import log_in
from tests.ui.test_narrow_layout import PHONE, page_width

pytestmark = [pytest.mark.browser]

PARAPHRASE = "Hamas declined to attend the negotiations"
MEANT = "Hamas has refused to participate in these talks"


def test_a_paraphrase_finds_the_claim_it_means_and_the_person_page_is_one_click_away(
    live_server, page: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job
) -> None:
    indexing_services.claims_index(claim_ids=all_claim_ids())
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server.url, reviewer.username)
    page.goto(live_server.url + "/search/")

    page.locator("main").get_by_role("searchbox").fill(PARAPHRASE)
    page.locator("main").get_by_role("searchbox").press("Enter")

    result = page.locator(".results__item", has_text=MEANT).first
    expect(result).to_be_visible()
    expect(result.locator(".tag--meaning")).to_contain_text("close in meaning")
    expect(result.locator(".tag--words")).to_have_count(0)  # none of its words: found by meaning alone
    result.get_by_role("link", name=MEANT).click()
    page.locator(".chip a", has_text="Hamas").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hamas")
    expect(page.get_by_role("link", name="Said or reported by Hamas")).to_be_visible()
    assert console_errors == []


def test_at_390_px_the_results_and_the_person_page_fit_the_phone(
    live_server, page: Page, reviewer: User, seed_corpus: Job
) -> None:
    indexing_services.claims_index(claim_ids=all_claim_ids())
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, reviewer.username)

    page.goto(live_server.url + "/search/?q=bagheri+kani&status=unreviewed")
    expect(page.locator(".results__item").first).to_be_visible()
    expect(page.locator(".search-filters")).to_have_attribute("open", "")
    assert page_width(page) <= PHONE["width"]
    page.locator(".results__item a").first.click()
    page.locator(".chip a", has_text=re.compile("Ba(gh|q)eri")).first.click()
    expect(page.get_by_role("heading", level=2, name="Spellings")).to_be_visible()
    assert page_width(page) <= PHONE["width"]
