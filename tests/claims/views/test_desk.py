"""The review desk's pages: assigning, commenting and ticking from the claim page, the queue list, mentions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claims.models import ChecklistItem, ClaimAssignment, ClaimCheck, ClaimComment
from claims.services import desk as desk_services
from tests.claims.desk_world import claim_in, world

pytestmark = pytest.mark.django_db


def test_a_reviewer_assigns_from_the_claim_page_and_goes_back_to_it(client: Client, reviewer: User) -> None:
    claim = claim_in("Hand this out.")
    client.force_login(reviewer)

    response = client.post(reverse("claims:claim-assign", args=[claim.pk]), {"assignee": reviewer.pk, "current": ""})

    assert response.status_code == 302
    assert response["Location"] == reverse("claims:claim-detail", args=[claim.pk]) + "#desk-heading"
    page = client.get(response["Location"])
    assert f"Assigned to <strong>{reviewer.username}</strong>" in page.content.decode()


def test_assigning_over_a_colleague_who_assigned_meanwhile_changes_nothing_and_says_so(
    client: Client, reviewer: User, second_reviewer: User
) -> None:
    claim = claim_in("Contested hand-out.")
    desk_services.claim_assign(claim_id=claim.pk, assignee=second_reviewer, by=second_reviewer)
    client.force_login(reviewer)

    response = client.post(
        reverse("claims:claim-assign", args=[claim.pk]), {"assignee": reviewer.pk, "current": ""}, follow=True
    )

    assert "Someone assigned this claim to ravi-reviewer after you opened it" in response.content.decode()
    assert ClaimAssignment.objects.count() == 1


def test_assigning_to_someone_who_cannot_review_is_a_form_error(client: Client, reviewer: User, viewer: User) -> None:
    claim = claim_in("Not for viewers.")
    client.force_login(reviewer)

    response = client.post(reverse("claims:claim-assign", args=[claim.pk]), {"assignee": viewer.pk})

    assert response.status_code == 400
    assert response.context["assign_form"].errors["assignee"]
    assert not ClaimAssignment.objects.exists()


def test_a_failed_comment_keeps_what_was_typed(client: Client, reviewer: User) -> None:
    claim = claim_in("Long-winded.")
    client.force_login(reviewer)
    text = "word " * 1001

    response = client.post(reverse("claims:claim-comment", args=[claim.pk]), {"body": text})

    assert response.status_code == 400
    assert response.context["comment_form"]["body"].value() == text
    assert response.context["comment_form"].errors["body"]
    assert not ClaimComment.objects.exists()


def test_a_comment_is_shown_escaped_and_its_mention_listed_for_the_colleague(
    client: Client, reviewer: User, second_reviewer: User
) -> None:
    claim = claim_in("Escaping matters.")
    client.force_login(reviewer)

    client.post(reverse("claims:claim-comment", args=[claim.pk]), {"body": "@ravi-reviewer <script>alert(1)</script>"})

    page = client.get(reverse("claims:claim-detail", args=[claim.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    client.force_login(second_reviewer)
    mentions = client.get(reverse("claims:mentions"))
    assert mentions.context["total"] == 1
    assert [c.claim for c in mentions.context["comments"]] == [claim]


def test_a_reviewer_ticks_and_unticks_a_checklist_step(client: Client, reviewer: User) -> None:
    claim = claim_in("Tick me.")
    item = ChecklistItem.objects.create(label="Source called")
    client.force_login(reviewer)
    url = reverse("claims:claim-check", args=[claim.pk])

    client.post(url, {"item": item.pk, "checked": "1"})
    client.post(url, {"item": item.pk, "checked": "0"})
    bad = client.post(url, {"item": "x", "checked": "1"}, follow=True)

    assert [c.checked for c in ClaimCheck.objects.order_by("id")] == [True, False]
    assert "could not be read" in bad.content.decode()


def test_a_viewer_reads_the_desk_but_cannot_write_to_it(client: Client, viewer: User, reviewer: User) -> None:
    claim = claim_in("Read only.")
    desk_services.comment_add(claim_id=claim.pk, author=reviewer, body="A note for the desk.")
    client.force_login(viewer)

    page = client.get(reverse("claims:claim-detail", args=[claim.pk]))

    assert "A note for the desk." in page.content.decode()
    assert page.context["comment_form"] is None
    assert page.context["assign_form"] is None
    assert client.post(reverse("claims:claim-comment", args=[claim.pk]), {"body": "Hi"}).status_code == 403
    assert client.get(reverse("claims:queue-list")).status_code == 403


def test_the_queue_list_makes_a_fixed_number_of_queries_however_many_rows(
    client: Client, reviewer: User, django_assert_max_num_queries
) -> None:
    world()
    for n in range(30):
        claim_in(f"Filler claim {n}.")
    client.force_login(reviewer)
    # session, user, groups, filter form (story, outlet, reviewers), ranked ids, rows with their signals,
    # mention count.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("claims:queue-list"), {"assignee": "none"})
    assert len(response.context["rows"]) == 37


def test_the_claim_page_desk_costs_one_query_per_table_however_long_its_history(
    client: Client, reviewer: User, second_reviewer: User, django_assert_max_num_queries
) -> None:
    claim = claim_in("Budget.")
    items = [ChecklistItem.objects.create(label=f"Step {n}") for n in range(3)]
    for n in range(5):
        desk_services.comment_add(claim_id=claim.pk, author=reviewer, body=f"Note {n} for @ravi-reviewer.")
        desk_services.claim_assign(claim_id=claim.pk, assignee=[reviewer, second_reviewer][n % 2], by=reviewer)
        desk_services.check_set(claim_id=claim.pk, item_id=items[n % 3].pk, checked=n < 3, user=reviewer)
    client.force_login(reviewer)

    with django_assert_max_num_queries(40) as captured:
        client.get(reverse("claims:claim-detail", args=[claim.pk]))

    tables = ["claimassignment", "claimcomment", "checklistitem", "claimcheck"]
    reads = [t for q in captured.captured_queries for t in tables if f'FROM "claims_{t}"' in q["sql"]]
    assert sorted(reads) == sorted(tables)
