"""The duplicate group screen in real headless Chromium: open it from a claim, split, pick the canonical wording."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from claims.models import Claim, GroupAction, GroupDecision, GroupMember, Job
from claims.services.groups import group_create
from tests.claims import helpers
from tests.ui.conftest import ConsoleErrors
from tests.ui.helpers import log_in

pytestmark = [pytest.mark.browser]


def death_toll_claims() -> list[Claim]:
    """Claims that count people killed, one per distinct figure, each once: a group whose figures conflict."""
    return list({c.pk: c for c in helpers.death_toll_claims()}.values())


def test_a_reviewer_splits_a_group_and_picks_its_canonical_wording(
    live_server, page: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job
) -> None:
    tolls = death_toll_claims()
    assert len(tolls) >= 3
    group = group_create(claim_ids=[c.pk for c in tolls], user=reviewer, note="death tolls")
    odd, keep = tolls[-1], tolls[1]
    log_in(page, live_server.url, reviewer.username)

    page.goto(f"{live_server.url}/claims/{tolls[0].pk}/")
    page.get_by_role("link", name=f"Open group {group.pk}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Duplicate group {group.pk}")
    expect(page.locator(".members__row")).to_have_count(len(tolls))
    killed = sum(1 for c in tolls for q in c.quantities if q.get("event") == "killed" and q.get("value"))
    expect(page.locator(".figures__row .figure")).to_have_count(killed)  # every figure, side by side

    page.get_by_label(f"Move claim {odd.pk} out").check()
    page.get_by_label("Why (optional)").first.fill("a different day's toll")
    page.get_by_role("button", name="Move ticked claims out").click()
    expect(page.get_by_role("status")).to_contain_text(f"Moved claim {odd.pk} out: alone, it is no group")
    expect(page.locator(".members__row")).to_have_count(len(tolls) - 1)
    expect(page.locator(".history__entry").first).to_contain_text("Split by rita-reviewer")

    page.locator(f"#member-{keep.pk}").get_by_role("button", name="Make canonical").click()
    expect(page.get_by_role("status")).to_contain_text(f"Claim {keep.pk} is now the canonical wording")
    expect(page.locator(f"#member-{keep.pk} .tag--canonical")).to_have_text("Canonical")
    expect(page.locator(".lede")).to_contain_text("rita-reviewer chose it")

    assert not GroupMember.objects.filter(claim=odd).exists()  # one claim alone is no group
    assert GroupDecision.objects.filter(group=group, action=GroupAction.CANONICAL, reviewer=reviewer).exists()
    assert console_errors == []


def test_a_viewer_sees_the_group_but_no_controls(
    live_server, page: Page, console_errors: ConsoleErrors, viewer: User, reviewer: User, seed_corpus: Job
) -> None:
    tolls = death_toll_claims()
    group = group_create(claim_ids=[c.pk for c in tolls[:2]], user=reviewer)
    log_in(page, live_server.url, viewer.username)

    page.locator(".site-nav").get_by_role("link", name="Groups").click()
    page.get_by_role("link", name=f"Group {group.pk}").click()

    expect(page.locator(".members__row")).to_have_count(2)
    expect(page.get_by_role("button", name="Make canonical")).to_have_count(0)
    expect(page.get_by_role("button", name="Merge")).to_have_count(0)
    expect(page.locator("input[type=checkbox]")).to_have_count(0)
    assert console_errors == []


def test_a_reviewer_groups_a_claim_with_a_suggested_partner_in_one_click(
    live_server, page: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job
) -> None:
    from claims.services import matching as matching_services

    matching_services.claims_match(claim_ids=list(Claim.objects.values_list("pk", flat=True)))
    claim = helpers.most_restated_claim()  # group suggestions come from links that say the same fact
    log_in(page, live_server.url, reviewer.username)

    page.goto(f"{live_server.url}/claims/{claim.pk}/")
    suggestions = page.locator(".group-suggestions__item")
    expect(suggestions.first).to_be_visible()
    first = suggestions.first.get_by_role("button", name="Group with #")
    partner = int(first.inner_text().rsplit("#", 1)[1])
    first.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Duplicate group")
    expect(page.locator(".members__row")).to_have_count(2)
    expect(page.locator(f"#member-{partner}")).to_be_visible()
    expect(page.locator(".history__entry").first).to_contain_text("rita-reviewer")
    assert GroupMember.objects.get(claim=claim).group_id == GroupMember.objects.get(claim_id=partner).group_id
    assert console_errors == []


def test_a_reviewer_merges_a_claim_by_searching_its_words_and_picking_it(
    live_server, page: Page, console_errors: ConsoleErrors, reviewer: User, seed_corpus: Job
) -> None:
    tolls = death_toll_claims()
    group = group_create(claim_ids=[c.pk for c in tolls[:2]], user=reviewer)
    wanted = Claim.objects.get(text__contains="Hamas refused to send a delegation")
    log_in(page, live_server.url, reviewer.username)
    page.goto(f"{live_server.url}/groups/{group.pk}/")

    page.get_by_label("Find claims to merge in").press_sequentially("refused delegation", delay=20)

    result = page.locator(f"#merge-candidate-{wanted.pk}")
    expect(result).to_contain_text("Hamas refused to send a delegation")  # swapped in by htmx, no reload
    expect(result).to_contain_text("ungrouped")
    assert page.url.endswith(f"/groups/{group.pk}/")
    result.get_by_role("button", name=f"Merge claim #{wanted.pk} here").click()

    expect(page.get_by_role("status")).to_contain_text("Merged")
    expect(page.locator(f"#member-{wanted.pk}")).to_be_visible()
    expect(page.locator(".members__row")).to_have_count(3)
    assert GroupMember.objects.get(claim=wanted).group_id == group.pk
    assert console_errors == []
