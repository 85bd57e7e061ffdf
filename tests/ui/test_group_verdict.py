"""A group's verdict in real headless Chromium: a verdict on the canonical claim is every unreviewed member's."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from claims.models import Claim, Job, Review
from claims.services.groups import group_create
from tests.claims import helpers
from tests.ui.conftest import ConsoleErrors
from tests.ui.helpers import log_in

pytestmark = [pytest.mark.browser]

RATIONALE = "The ministry's toll is not broken down by day; the figure cannot be checked yet."


def queued_claim_ids(page: Page, base_url: str) -> set[int]:
    page.goto(f"{base_url}/queue/list/")
    return {int(pk) for pk in page.locator(".queue-row").evaluate_all("rows => rows.map(r => r.dataset.claim)")}


def test_a_verdict_on_the_canonical_claim_is_shown_on_a_member_and_takes_the_group_out_of_the_queue(
    live_server, page: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job
) -> None:
    tolls = list({c.pk: c for c in helpers.death_toll_claims()}.values())[:3]
    assert len(tolls) >= 2
    group = group_create(claim_ids=[c.pk for c in tolls], user=reviewer, note="death tolls")
    canonical, member = tolls[0], tolls[1]
    assert group.canonical_id == canonical.pk
    log_in(page, live_server.url, reviewer.username)
    before = queued_claim_ids(page, live_server.url)
    assert canonical.pk in before  # the group is one row: its canonical claim
    assert member.pk not in before

    page.goto(f"{live_server.url}/claims/{canonical.pk}/")
    page.get_by_label(re.compile(r"^\s*Unproven\b")).check()
    page.get_by_label("Rationale").fill(RATIONALE)
    page.get_by_role("button", name="Record verdict").click()
    expect(page.get_by_role("status")).to_have_text("Recorded your verdict: unproven.")

    page.goto(f"{live_server.url}/claims/{member.pk}/")
    expect(page.locator(".claim-head .status")).to_have_text("Unproven")
    carried = page.locator(".history__entry").first
    expect(carried).to_contain_text("Unproven by rita-reviewer")
    expect(carried.locator(".history__text")).to_contain_text(
        f"Verdict of duplicate group {group.pk} (canonical claim {canonical.pk}): {RATIONALE}"
    )
    expect(page.get_by_role("link", name=f"Open group {group.pk}")).to_be_visible()

    after = queued_claim_ids(page, live_server.url)
    assert not after & {c.pk for c in tolls}  # neither the canonical claim nor a member is offered again
    for claim in tolls[1:]:
        review = Review.objects.get(claim=claim)
        assert review.via_group_id == group.pk
        assert Claim.objects.get(pk=claim.pk).status == "unproven"
    assert console_errors == []
