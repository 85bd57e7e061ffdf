"""The review desk in real headless Chromium: the queue's order and one item per group, assignment,
comments with mentions and the checklist; screenshots at 1366 and 390 px wide."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from claims.models import ChecklistItem, ClaimAssignment, ClaimComment, CommentMention
from tests.claims.desk_world import World, world
from tests.ui.conftest import ConsoleErrors
from tests.ui.helpers import log_in

pytestmark = [pytest.mark.browser]

WIDTHS = {"wide": 1366, "narrow": 390}


def _shot(page: Page, tmp_path: Path, name: str) -> None:
    """A full-page PNG at both widths, into $DESK_SCREENSHOTS when set (to look at), else the test's tmp dir."""
    out = Path(os.environ.get("DESK_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("window.scrollTo(0, 0)")  # a sticky bar is drawn where the view is: start at the top
        path = out / f"desk-{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
    page.set_viewport_size({"width": 1280, "height": 900})


def _row_ids(page: Page) -> list[int]:
    return [int(x) for x in page.locator(".queue-row").evaluate_all("rows => rows.map(r => r.dataset.claim)")]


def test_the_queue_comes_in_order_of_need_with_a_group_once_and_says_why(
    live_server, page: Page, console_errors: ConsoleErrors, reviewer: User, tmp_path: Path
) -> None:
    w: World = world()
    log_in(page, live_server.url, reviewer.username)

    page.goto(live_server.url + "/queue/list/")

    expected = [w.conflicting, w.suggested, w.today, w.worthy, w.canonical, w.plain, w.source]
    assert _row_ids(page) == [c.pk for c in expected]
    rows = page.locator(".queue-row")
    expect(rows.nth(0).locator(".reason").first).to_have_text("conflicting figures")
    expect(rows.nth(1)).to_contain_text("2 suggestions to decide")
    expect(rows.nth(2)).to_contain_text("reported today")
    expect(rows.nth(4)).to_contain_text("3 outlets")
    expect(rows.nth(4).get_by_role("link", name="+2 similar claims in group")).to_be_visible()
    for member in w.members:
        expect(page.locator(f".queue-row[data-claim='{member.pk}']")).to_have_count(0)
    _shot(page, tmp_path, "queue-list")

    page.get_by_role("link", name="Start reviewing").click()
    expect(page.locator("blockquote.claim-text")).to_have_text(w.conflicting.text)
    expect(page.locator(".queue-why")).to_contain_text("conflicting figures")
    _shot(page, tmp_path, "queue")
    page.keyboard.press("j")
    expect(page.locator("blockquote.claim-text")).to_have_text(w.suggested.text)
    page.keyboard.press("k")
    expect(page.locator("blockquote.claim-text")).to_have_text(w.conflicting.text)
    assert console_errors == []


def test_a_reviewer_assigns_claims_and_the_queue_filters_on_it(
    live_server, page: Page, console_errors: ConsoleErrors, reviewer: User, second_reviewer: User
) -> None:
    w = world()
    log_in(page, live_server.url, reviewer.username)

    page.goto(f"{live_server.url}/claims/{w.plain.pk}/")
    expect(page.locator(".desk__assignee")).to_have_text("Assigned to nobody.")
    page.keyboard.press("a")
    expect(page.get_by_role("status")).to_have_text(f"Assigned to {reviewer.username}.")
    expect(page.locator(".desk__assignee")).to_contain_text(f"Assigned to {reviewer.username} by {reviewer.username}")

    page.goto(f"{live_server.url}/claims/{w.worthy.pk}/")
    page.get_by_label("Assign to").select_option(label=second_reviewer.username)
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.locator(".desk__assignee")).to_contain_text(f"Assigned to {second_reviewer.username}")

    page.goto(live_server.url + "/queue/list/")
    page.get_by_label("Assignee").select_option(label="Assigned to me")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"assignee=me"))
    assert _row_ids(page) == [w.plain.pk]
    expect(page.locator(".queue-row .reason--assignee")).to_have_text(f"assigned to {reviewer.username}")
    page.get_by_label("Assignee").select_option(label="Unassigned")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"assignee=none"))
    unassigned = _row_ids(page)
    assert w.plain.pk not in unassigned
    assert w.worthy.pk not in unassigned
    assert w.conflicting.pk in unassigned
    assert [(a.claim_id, a.assignee, a.assigned_by) for a in ClaimAssignment.objects.order_by("id")] == [
        (w.plain.pk, reviewer, reviewer),
        (w.worthy.pk, second_reviewer, reviewer),
    ]
    assert console_errors == []


def test_a_comment_mentions_a_colleague_who_finds_it_and_the_checklist_ticks(
    live_server,
    browser: Browser,
    page: Page,
    console_errors: ConsoleErrors,
    reviewer: User,
    second_reviewer: User,
    tmp_path: Path,
) -> None:
    w = world()
    ChecklistItem.objects.create(label="Primary source found", position=1)
    ChecklistItem.objects.create(label="Figures checked against the ministry", position=2)
    log_in(page, live_server.url, reviewer.username)
    page.goto(f"{live_server.url}/claims/{w.conflicting.pk}/")

    page.keyboard.press("m")
    expect(page.get_by_role("textbox", name="Comment")).to_be_focused()
    page.keyboard.type(f"@{second_reviewer.username} which toll is right? <b>40</b> or 30")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_role("status")).to_have_text(f"Comment added; mentioned {second_reviewer.username}.")
    body = page.locator(".comment .comment__body").first
    expect(body).to_have_text(f"@{second_reviewer.username} which toll is right? <b>40</b> or 30")
    expect(body.locator("b")).to_have_count(0)  # shown as typed, never as markup

    expect(page.locator(".desk")).to_contain_text("0 of 2 done")
    page.get_by_role("checkbox", name="Primary source found").click()
    expect(page.get_by_role("checkbox", name="Primary source found")).to_have_attribute("aria-checked", "true")
    expect(page.locator(".desk")).to_contain_text("1 of 2 done")
    expect(page.locator(".checklist__who")).to_contain_text(f"ticked by {reviewer.username}")
    _shot(page, tmp_path, "claim-desk")

    colleague = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(colleague, live_server.url, second_reviewer.username)
    colleague.goto(live_server.url + "/queue/list/")
    expect(colleague.get_by_role("link", name=re.compile(r"Mentions of you\s*1"))).to_be_visible()
    colleague.get_by_role("link", name=re.compile("Mentions of you")).click()
    expect(colleague.locator(".comment")).to_contain_text("which toll is right?")
    colleague.get_by_role("link", name=f"claim {w.conflicting.pk}").click()
    expect(colleague.locator("blockquote.claim-text")).to_have_text(w.conflicting.text)
    colleague.context.close()
    comment = ClaimComment.objects.get()
    assert list(CommentMention.objects.filter(comment=comment).values_list("user", flat=True)) == [second_reviewer.pk]
    assert console_errors == []
