"""The reviewer screens at a phone's 390 px and a laptop's 1366 px, in real headless Chromium.

At 390 px nothing may be wider than the screen (the page never scrolls sideways), the navigation
fits, tables scroll inside their own frame, and the verdict form is one tap away from anywhere in
the evidence. At 1366 px the same bar is there and the layout keeps its two columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.db.models import Count
from playwright.sync_api import Browser, Page, ViewportSize, expect

from claims.models import Claim, DuplicateGroup, Job, Review
from claims.services.groups import group_create
from tests.claims import helpers
from tests.ui.conftest import ConsoleErrors
from tests.ui.helpers import log_in

pytestmark = [pytest.mark.browser]

PHONE = ViewportSize(width=390, height=844)
LAPTOP = ViewportSize(width=1366, height=900)


def tab_of_size(browser: Browser, console_errors: ConsoleErrors, size: ViewportSize) -> Iterator[Page]:
    ctx = browser.new_context(viewport=size)
    ctx.set_default_timeout(10_000)
    tab = ctx.new_page()
    tab.on("console", console_errors.record)
    yield tab
    ctx.close()


@pytest.fixture
def phone(browser: Browser, console_errors: ConsoleErrors) -> Iterator[Page]:
    yield from tab_of_size(browser, console_errors, PHONE)


@pytest.fixture
def laptop(browser: Browser, console_errors: ConsoleErrors) -> Iterator[Page]:
    yield from tab_of_size(browser, console_errors, LAPTOP)


def most_evidence_claim() -> Claim:
    """The claim with the longest evidence list in the seed story (a death toll, reported everywhere)."""
    claim = Claim.objects.annotate(n=Count("evidence")).order_by("-n", "id").first()
    assert claim is not None
    return claim


def death_toll_group(reviewer: User) -> DuplicateGroup:
    tolls = list({c.pk: c for c in helpers.death_toll_claims()}.values())
    assert len(tolls) >= 3
    return group_create(claim_ids=[c.pk for c in tolls], user=reviewer)


def page_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def nav_overflow(page: Page) -> dict[str, float]:
    """How far the main navigation (or any of its links) reaches past its own box and past the window."""
    return page.evaluate(
        """() => {
            const nav = document.querySelector('.site-nav');
            const right = Math.max(...[...nav.querySelectorAll('a')].map(a => a.getBoundingClientRect().right));
            return {inside: nav.scrollWidth - nav.clientWidth, window: right - window.innerWidth};
        }"""
    )


def edge(page: Page, selector: str, side: str = "top") -> float:
    """Where the first element matching ``selector`` starts (or ends) on the screen, in CSS pixels."""
    return float(page.locator(selector).first.evaluate("(e, side) => e.getBoundingClientRect()[side]", side))


def sign_in_over_a_group(page: Page, base_url: str, reviewer: User) -> tuple[DuplicateGroup, Claim]:
    """The death tolls grouped, the claim with the most evidence, and the reviewer signed in."""
    group = death_toll_group(reviewer)
    claim = most_evidence_claim()
    log_in(page, base_url, reviewer.username)
    return group, claim


def test_at_390_px_no_reviewer_screen_is_wider_than_the_phone(
    live_server, phone: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job
) -> None:
    group, claim = sign_in_over_a_group(phone, live_server.url, reviewer)

    screens = ["/", f"/claims/{claim.pk}/", "/queue/", "/groups/", f"/groups/{group.pk}/", f"/jobs/{seed_corpus.pk}/"]
    # The review desk's and search's screens too: the queue list, mentions, a search, a person, linking a selection.
    sentence = claim.spans.select_related("sentence").first()
    assert sentence is not None
    start, end = sentence.sentence.start, sentence.sentence.end
    screens += ["/queue/list/", "/mentions/", f"/search/?q={claim.pk}", "/entities/hamas/"]
    screens.append(f"/articles/{claim.article_id}/link/?start={start}&end={end}")
    for path in screens:
        phone.goto(live_server.url + path)
        expect(phone.locator("main")).to_be_visible()
        assert page_width(phone) <= PHONE["width"], f"{path} is {page_width(phone)} px wide"
        reach = nav_overflow(phone)
        assert reach["inside"] <= 0, f"{path}: the navigation overflows its box by {reach['inside']} px"
        assert reach["window"] <= 0, f"{path}: a navigation link ends {reach['window']} px past the screen"
    assert console_errors == []


def test_at_390_px_a_wide_table_scrolls_in_its_frame_and_keeps_its_links_in_view(
    live_server, phone: Page, reviewer: User, seed_corpus: Job
) -> None:
    group = death_toll_group(reviewer)
    log_in(phone, live_server.url, reviewer.username)

    for path, link in [("/groups/", f"Group {group.pk}"), (f"/groups/{group.pk}/", None)]:
        phone.goto(live_server.url + path)
        frame = phone.locator(".table-wrap").first
        sizes = frame.evaluate("e => ({scroll: e.scrollWidth, client: e.clientWidth})")
        assert sizes["scroll"] > sizes["client"], f"{path}: the table fits; this test would prove nothing"
        frame.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
        assert phone.evaluate("window.scrollX") == 0  # the table scrolled, not the page
        assert page_width(phone) <= PHONE["width"]
        if link:
            # The first column stays put while the rest scrolls: the row's link is still there to tap.
            row_link = phone.get_by_role("link", name=link)
            box = row_link.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= PHONE["width"]


def test_at_390_px_the_verdict_form_is_one_tap_away_from_the_evidence(
    live_server, phone: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job
) -> None:
    claim = most_evidence_claim()
    log_in(phone, live_server.url, reviewer.username)
    phone.goto(f"{live_server.url}/claims/{claim.pk}/")
    assert edge(phone, ".verdict-form") > 3 * PHONE["height"]  # below a long evidence list, as reported

    phone.locator(".evidence__item").nth(4).scroll_into_view_if_needed()
    jump = phone.get_by_role("navigation", name="On this page").get_by_role("link", name="Verdict")
    expect(jump).to_be_in_viewport()  # the bar stays on screen deep in the evidence
    jump.click()

    bar_bottom = edge(phone, ".claim-jump", "bottom")
    heading_top = edge(phone, "#verdict-heading")
    assert bar_bottom <= heading_top < PHONE["height"]  # it lands on the form, not under the bar
    expect(phone.locator(".verdict-form")).to_be_in_viewport()

    # The keyboard still works at this width: c picks the verdict, Ctrl+Enter sends it.
    phone.locator("body").click(position={"x": 5, "y": 300})
    phone.keyboard.press("c")
    expect(phone.get_by_label(re.compile(r"^\s*True\b"))).to_be_checked()
    phone.keyboard.type("Three outlets give the same toll.")
    phone.keyboard.press("Control+Enter")
    expect(phone.get_by_role("status")).to_have_text("Recorded your verdict: true (corroborated).")
    assert Review.objects.filter(claim=claim, reviewer=reviewer, verdict="corroborated").exists()
    assert console_errors == []


def test_at_390_px_the_queue_keeps_its_verdict_a_tap_away_and_evidence_keys_land_clear_of_the_bar(
    live_server, phone: Page, reviewer: User, seed_corpus: Job
) -> None:
    log_in(phone, live_server.url, reviewer.username)
    phone.goto(f"{live_server.url}/queue/")
    assert page_width(phone) <= PHONE["width"]
    expect(phone.get_by_role("link", name="Skip to next")).to_be_in_viewport()

    phone.locator("body").click(position={"x": 5, "y": 300})
    phone.keyboard.press("e")
    item = phone.locator(".evidence__item").first
    expect(item).to_be_focused()
    bar_bottom = edge(phone, ".claim-jump", "bottom")
    assert edge(phone, ".evidence__item") >= bar_bottom

    phone.get_by_role("navigation", name="On this page").get_by_role("link", name="Verdict").click()
    expect(phone.locator(".verdict-form")).to_be_in_viewport()


def test_at_1366_px_the_claim_keeps_two_columns_and_the_verdict_in_the_first_screen(
    live_server, laptop: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job
) -> None:
    group, claim = sign_in_over_a_group(laptop, live_server.url, reviewer)

    laptop.goto(f"{live_server.url}/claims/{claim.pk}/")
    assert edge(laptop, ".verdict-form") < LAPTOP["height"]
    evidence = laptop.locator("#evidence-heading").bounding_box()
    verdict = laptop.locator("#verdict-heading").bounding_box()
    assert evidence is not None
    assert verdict is not None
    assert verdict["x"] > evidence["x"] + evidence["width"]  # beside the evidence, not under it
    expect(laptop.get_by_role("navigation", name="On this page").get_by_role("link", name="Verdict")).to_be_visible()
    for path in ["/", f"/claims/{claim.pk}/", "/queue/", "/groups/", f"/groups/{group.pk}/"]:
        laptop.goto(live_server.url + path)
        assert page_width(laptop) <= LAPTOP["width"], path
        assert nav_overflow(laptop)["inside"] <= 0, path
    assert console_errors == []


def test_at_390_px_the_keyboard_help_opens_at_its_title_and_scrolls_to_close(
    live_server, phone: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job
) -> None:
    claim = most_evidence_claim()
    log_in(phone, live_server.url, reviewer.username)
    phone.goto(f"{live_server.url}/claims/{claim.pk}/")

    phone.keyboard.press("?")

    expect(phone.locator("#keys-help")).to_be_visible()
    assert edge(phone, "#keys-help-title") >= 0  # the list is taller than the phone: its top stays in reach
    close = phone.locator("[data-key='close-help']")
    expect(close).to_be_focused()
    close.scroll_into_view_if_needed()
    assert edge(phone, "[data-key='close-help']", "bottom") <= PHONE["height"]
    close.click()
    expect(phone.locator("#keys-help")).to_be_hidden()
    assert console_errors == []
