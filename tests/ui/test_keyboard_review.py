"""Keyboard review, the queue, editing and the live dashboard in real headless Chromium."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import BrowserContext, Page, expect

from claims.models import Claim, ClaimStatus, Evidence, EvidenceDecisionChoice, Job, JobState
from claims.selectors.corroboration import claim_corroboration
from tests.ui.conftest import ConsoleErrors
from tests.ui.helpers import HAMAS, log_in, open_hamas_claim

pytestmark = [pytest.mark.browser]

# Another seed article (Press TV) reports the same refusal in its own words.
OTHER_REPORT = "Hamas has refused to participate in these talks"


def test_a_reviewer_checks_the_hamas_claim_across_articles_and_records_a_verdict_with_the_keyboard(
    live_server, page: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job
) -> None:
    claim = Claim.objects.get(text__contains=HAMAS)
    # No links made by hand: the match job that followed the seed ingestion found them.
    assert Evidence.objects.filter(claim=claim, via_claim__isnull=False).exists()
    log_in(page, live_server.url, reviewer.username)
    open_hamas_claim(page)

    items = page.locator(".evidence__item")
    sources = items.locator(".evidence__source a").all_inner_texts()
    assert len(set(sources)) > 1, sources  # the claim's evidence comes from several articles
    expect(items.locator("mark", has_text=OTHER_REPORT)).to_have_count(1)
    before = claim_corroboration(claim=claim)
    assert before.suggestions, "the seed story's other reports are suggestions until a reviewer confirms them"
    expect(page.locator(".provenance__counts")).to_contain_text(f"{before.supporting_outlets} outlet")
    expect(page.locator(".provenance__suggested")).to_contain_text(
        f"{len(before.suggestions)} more suggested, not yet reviewed"
    )
    other = Evidence.objects.get(pk=int(str(items.nth(1).get_attribute("id")).removeprefix("evidence-")))

    # e moves through the evidence; y confirms the one that has focus.
    page.keyboard.press("e")
    page.keyboard.press("e")
    expect(items.nth(1)).to_be_focused()
    page.keyboard.press("y")
    expect(page.get_by_role("status")).to_have_text("Confirmed the evidence.")
    other.refresh_from_db()
    assert other.decision == EvidenceDecisionChoice.CONFIRMED
    page.reload()
    after = claim_corroboration(claim=claim)
    expect(page.locator(".provenance__counts")).to_contain_text(f"{after.supporting_outlets} outlet")
    assert len(after.suggestions) < len(before.suggestions) or other.strength != "suggested"

    # x chooses "contested" and puts the cursor in the rationale; Ctrl+Enter sends it.
    page.keyboard.press("x")
    rationale = page.get_by_label("Rationale")
    expect(rationale).to_be_focused()
    expect(page.get_by_label(re.compile(r"^\s*Misleading\b"))).to_be_checked()
    page.keyboard.type("Press TV says Hamas refused the talks, but no one confirms a delegation was asked.")
    page.keyboard.press("Control+Enter")

    expect(page.get_by_role("status")).to_have_text("Recorded your verdict: misleading (contested).")
    expect(page.locator(".claim-head .status")).to_have_text("Contested")
    entries = page.locator(".history__entry")
    expect(entries.nth(0)).to_contain_text("Misleading (contested) by rita-reviewer")
    expect(entries.nth(0)).to_contain_text("no one confirms a delegation was asked")
    expect(entries.nth(1)).to_contain_text("Confirmed evidence by rita-reviewer")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CONTESTED
    assert console_errors == []


def test_shortcuts_do_nothing_while_typing_and_question_mark_shows_the_help(
    live_server, page: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job
) -> None:
    log_in(page, live_server.url, reviewer.username)
    open_hamas_claim(page)
    url = page.url
    help_box = page.locator("#keys-help")
    expect(help_box).to_be_hidden()

    rationale = page.get_by_label("Rationale")
    rationale.click()
    page.keyboard.type("jkcxyne? typed")
    expect(rationale).to_have_value("jkcxyne? typed")
    expect(help_box).to_be_hidden()
    expect(page.get_by_label(re.compile(r"^\s*Misleading\b"))).not_to_be_checked()
    expect(page.get_by_label(re.compile(r"^\s*True\b"))).not_to_be_checked()
    assert page.url == url

    page.keyboard.press("Escape")  # leave the field; now keys are shortcuts
    page.keyboard.press("?")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("Keyboard shortcuts")
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()
    page.keyboard.press("c")
    expect(page.get_by_label(re.compile(r"^\s*True\b"))).to_be_checked()
    assert console_errors == []


def test_the_queue_moves_with_j_and_k_and_two_reviewers_get_different_claims(
    live_server, context: BrowserContext, browser, reviewer: User, second_reviewer: User, seed_corpus: Job
) -> None:
    first = context.new_page()
    other_context = browser.new_context(viewport={"width": 1280, "height": 900})
    second = other_context.new_page()
    try:
        for tab, user in ((first, reviewer), (second, second_reviewer)):
            log_in(tab, live_server.url, user.username)
            tab.locator(".site-nav").get_by_role("link", name="Queue").click()
            expect(tab.get_by_role("heading", name="Review queue")).to_be_visible()
        mine = first.locator("blockquote.claim-text").inner_text()
        theirs = second.locator("blockquote.claim-text").inner_text()
        assert mine != theirs

        first.keyboard.press("j")
        expect(first).to_have_url(re.compile(r"/queue/\?status=unreviewed&after=\d+$"))
        after_j = first.locator("blockquote.claim-text").inner_text()
        assert after_j not in (mine, theirs)
        first.keyboard.press("k")
        expect(first).to_have_url(re.compile(r"/queue/\?status=unreviewed&before=\d+$"))
        # Back past the claim the other reviewer holds: it is skipped, so the first claim is mine again.
        expect(first.locator("blockquote.claim-text")).to_have_text(mine)
    finally:
        other_context.close()


def test_a_reviewer_adds_edits_and_deletes_a_claim_in_the_browser(
    live_server, page: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job
) -> None:
    log_in(page, live_server.url, reviewer.username)
    page.get_by_role("link", name="Qatar informs Iran on Gaza ceasefire talks").click()

    # Every body sentence of this article has claims: its "+" shows when the sentence is hovered.
    sentence = page.locator(".sentence--body").nth(1)
    sentence.hover()
    sentence.locator("a.add-claim").click()
    form = page.locator("#add-claim")
    expect(form).to_be_visible()
    form.get_by_label("Claim wording").fill("Qatar briefed Iran on the ceasefire talks")
    form.get_by_role("button", name="Add claim").click()
    expect(page.locator("blockquote.claim-text")).to_have_text("Qatar briefed Iran on the ceasefire talks")
    expect(page.locator(".history__entry").first).to_contain_text("Added by hand by rita-reviewer")

    page.get_by_text("Edit the wording").click()
    page.get_by_label("Wording").fill("Qatar briefed Iran on the Gaza ceasefire talks")
    page.get_by_role("button", name="Save wording").click()
    expect(page.locator("blockquote.claim-text")).to_have_text("Qatar briefed Iran on the Gaza ceasefire talks")
    expect(page.locator(".history__entry").first).to_contain_text("Edited by rita-reviewer")

    page.get_by_text("Delete", exact=True).click()
    page.get_by_label("Reason").fill("Said better by the extracted claim")
    page.get_by_role("button", name="Delete claim").click()
    expect(page.locator(".notice-deleted")).to_contain_text("hidden from the article")
    page.get_by_role("button", name="Restore this claim").click()
    expect(page.locator(".notice-deleted")).to_have_count(0)
    expect(page.locator(".history__entry").first).to_contain_text("Restored by rita-reviewer")
    assert console_errors == []


def test_the_dashboard_progress_bar_follows_a_running_job_through_htmx(
    live_server, page: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job
) -> None:
    job = Job.objects.create(kind="ingest", state=JobState.RUNNING, total=4, done=1)
    log_in(page, live_server.url, reviewer.username)
    page.locator(".site-nav").get_by_role("link", name="Dashboard").click()
    bar = page.locator(f"#job-progress-{job.pk} progress")
    expect(bar).to_have_attribute("value", "1")

    Job.objects.filter(pk=job.pk).update(done=3)
    expect(bar).to_have_attribute("value", "3", timeout=8_000)
    Job.objects.filter(pk=job.pk).update(done=4, state=JobState.SUCCEEDED)
    expect(page.locator(f"#job-progress-{job.pk} .status")).to_have_text("Succeeded", timeout=8_000)
    expect(page.locator(f"#job-progress-{job.pk}")).not_to_have_attribute("hx-trigger", re.compile("."))
    expect(page.locator("table.stories")).to_contain_text("All articles")
    assert console_errors == []
