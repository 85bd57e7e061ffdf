"""The review desk's writes: assignments, comments with mentions and checklist ticks, all kept as history."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from claims.models import (
    ChecklistItem,
    ClaimAssignee,
    ClaimAssignment,
    ClaimCheck,
    ClaimComment,
    CommentMention,
)
from claims.selectors import desk as desk_selectors
from claims.services import desk as desk_services
from claims.services import edits as edit_services
from sources.text.mentions import mentioned_usernames
from tests.claims.desk_world import claim_in

pytestmark = pytest.mark.django_db


def test_assignments_are_history_and_the_current_assignee_follows_the_latest(
    reviewer: User, second_reviewer: User
) -> None:
    claim = claim_in("A claim to hand out.")

    desk_services.claim_assign(claim_id=claim.pk, assignee=second_reviewer, by=reviewer)
    desk_services.claim_assign(claim_id=claim.pk, assignee=reviewer, by=reviewer)
    same = desk_services.claim_assign(claim_id=claim.pk, assignee=reviewer, by=second_reviewer)

    assert same is None  # already so: nothing appended
    assert [(a.assignee, a.assigned_by) for a in ClaimAssignment.objects.order_by("id")] == [
        (second_reviewer, reviewer),
        (reviewer, reviewer),
    ]
    assert ClaimAssignee.objects.get(claim=claim).user == reviewer
    assert desk_selectors.claim_desk(claim=claim).assignee == reviewer

    desk_services.claim_assign(claim_id=claim.pk, assignee=None, by=reviewer)

    assert not ClaimAssignee.objects.exists()
    assert ClaimAssignment.objects.count() == 3
    assert desk_selectors.claim_desk(claim=claim).assignee is None


def test_an_assignment_made_meanwhile_is_a_conflict_not_an_overwrite(reviewer: User, second_reviewer: User) -> None:
    claim = claim_in("Two editors assign at once.")
    desk_services.claim_assign(claim_id=claim.pk, assignee=second_reviewer, by=second_reviewer)

    with pytest.raises(desk_services.AssignmentChanged, match="to ravi-reviewer"):
        desk_services.claim_assign(
            claim_id=claim.pk, assignee=reviewer, by=reviewer, expected_assignee_id=None, check=True
        )

    assert ClaimAssignee.objects.get(claim=claim).user == second_reviewer


def test_only_reviewers_assign_and_are_assigned(reviewer: User, viewer: User) -> None:
    claim = claim_in("Who may hold this?")

    with pytest.raises(PermissionDenied):
        desk_services.claim_assign(claim_id=claim.pk, assignee=reviewer, by=viewer)
    with pytest.raises(ValidationError, match="not a reviewer"):
        desk_services.claim_assign(claim_id=claim.pk, assignee=viewer, by=reviewer)
    assert not ClaimAssignment.objects.exists()


def test_a_deleted_claim_takes_no_desk_work(reviewer: User) -> None:
    claim = claim_in("Soon gone.")
    edit_services.claim_delete(claim_id=claim.pk, user=reviewer, reason="Not checkable.")

    with pytest.raises(ValidationError):
        desk_services.comment_add(claim_id=claim.pk, author=reviewer, body="Still here?")
    with pytest.raises(ValidationError):
        desk_services.claim_assign(claim_id=claim.pk, assignee=reviewer, by=reviewer)


def test_a_comment_mentions_the_users_it_names_who_can_read_claims(
    reviewer: User, second_reviewer: User, viewer: User, outsider: User
) -> None:
    claim = claim_in("A toll to check.")

    comment = desk_services.comment_add(
        claim_id=claim.pk,
        author=reviewer,
        body=f"  @{second_reviewer.username} and @{viewer.username}: see a@b.org; @{outsider.username} @nobody  ",
    )

    assert comment.body.startswith("@ravi-reviewer")  # stripped
    assert set(CommentMention.objects.values_list("user", flat=True)) == {second_reviewer.pk, viewer.pk}
    assert desk_selectors.mentions_of(user=second_reviewer) == [comment]
    assert desk_selectors.mention_count(user=viewer) == 1
    assert desk_selectors.mention_count(user=reviewer) == 0


def test_an_empty_or_oversize_comment_is_refused(reviewer: User) -> None:
    claim = claim_in("Say something.")

    with pytest.raises(ValidationError, match="Write something"):
        desk_services.comment_add(claim_id=claim.pk, author=reviewer, body="   ")
    with pytest.raises(ValidationError, match="under 5000"):
        desk_services.comment_add(claim_id=claim.pk, author=reviewer, body="x" * 5001)
    assert not ClaimComment.objects.exists()


def test_comments_assignments_and_ticks_cannot_be_rewritten(reviewer: User) -> None:
    claim = claim_in("History stays.")
    item = ChecklistItem.objects.create(label="Source called")
    desk_services.comment_add(claim_id=claim.pk, author=reviewer, body="First look.")
    desk_services.claim_assign(claim_id=claim.pk, assignee=reviewer, by=reviewer)
    desk_services.check_set(claim_id=claim.pk, item_id=item.pk, checked=True, user=reviewer)

    for model in (ClaimComment, ClaimAssignment, ClaimCheck):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            model.objects.all().delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ClaimComment.objects.update(body="Rewritten.")


def test_the_checklist_keeps_each_tick_and_shows_the_latest(reviewer: User, second_reviewer: User) -> None:
    claim = claim_in("Check me.")
    first = ChecklistItem.objects.create(label="Primary source found", position=2)
    second = ChecklistItem.objects.create(label="Figures match the ministry", position=1)
    retired = ChecklistItem.objects.create(label="Old step", position=0, active=False)

    desk_services.check_set(claim_id=claim.pk, item_id=first.pk, checked=True, user=reviewer)
    again = desk_services.check_set(claim_id=claim.pk, item_id=first.pk, checked=True, user=second_reviewer)
    desk_services.check_set(claim_id=claim.pk, item_id=second.pk, checked=True, user=reviewer)
    desk_services.check_set(claim_id=claim.pk, item_id=second.pk, checked=False, user=second_reviewer)

    assert again is None
    assert ClaimCheck.objects.count() == 3
    rows = desk_selectors.claim_checklist(claim=claim)
    assert [(r.item, r.checked, r.by) for r in rows] == [(second, False, second_reviewer), (first, True, reviewer)]
    with pytest.raises(ValidationError, match="retired"):
        desk_services.check_set(claim_id=claim.pk, item_id=retired.pk, checked=True, user=reviewer)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("@rita-reviewer, look", ["rita-reviewer"]),
        ("thanks @ravi.reviewer.", ["ravi.reviewer"]),
        ("mail a@b.org or x@y", []),
        ("@a @b @a", ["a", "b"]),
        ("no mention", []),
    ],
)
def test_mentions_are_names_that_start_with_an_at_sign(text: str, names: list[str]) -> None:
    assert mentioned_usernames(text) == names
