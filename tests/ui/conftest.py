"""Real headless Chromium (Playwright) against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, sync_playwright

from claims.roles import Role
from tests.rating_scale import default_scale

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery"


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=os.environ.get("PLAYWRIGHT_CHROMIUM", "/usr/bin/chromium"),
        headless=True,
        args=CHROMIUM_ARGS,
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def role_groups(transactional_db: None) -> None:
    """Transactional tests flush every table afterwards, the migration's role groups too; restore them."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    default_scale()  # and the migration's rating scale


class ConsoleErrors(list[str]):
    """Errors the page logged: a CSP violation (an inline style or script) shows up here."""

    def record(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.append(message.text)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def console_errors() -> ConsoleErrors:
    return ConsoleErrors()


@pytest.fixture
def page(context: BrowserContext, console_errors: ConsoleErrors) -> Page:
    tab = context.new_page()
    tab.on("console", console_errors.record)
    return tab
