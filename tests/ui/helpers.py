"""Browser helpers shared by the UI tests: logging in and opening the seed story's Hamas claim."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.ui.conftest import PASSWORD

HAMAS = "Hamas refused to send a delegation"
QATAR_ARTICLE = "Qatar informs Iran on Gaza ceasefire talks"


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(base_url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(base_url + "/")


def open_hamas_claim(page: Page) -> None:
    page.get_by_role("link", name=QATAR_ARTICLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(QATAR_ARTICLE)
    page.locator("a.claim", has_text=HAMAS).click()
    expect(page.locator("blockquote.claim-text")).to_contain_text(HAMAS)
