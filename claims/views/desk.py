"""The review desk's views: assign a claim, comment on it, tick its checklist; the comments naming me."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from claims.desk_forms import AssignForm, CheckForm, CommentForm
from claims.selectors import desk as desk_selectors
from claims.services import desk as desk_services
from claims.views.access import add_form_errors, reviewer_of, reviewer_required
from claims.views.claim_pages import ClaimForms, after_write, claim_context, claim_or_404
from claims.views.desk_parts import desk_context

DESK = "#desk-heading"


def _claim_page_with(request: HttpRequest, claim_id: int, status: int, **forms: object) -> HttpResponse:
    """The claim page again, the desk's failed form bound with its errors and what the reviewer typed."""
    claim = claim_or_404(claim_id)
    context = claim_context(request, claim, ClaimForms.for_claim(claim, request.user))
    context.update(desk_context(request, claim, **forms))  # type: ignore[arg-type]
    return render(request, "claims/claim_detail.html", context, status=status)


@require_POST
@reviewer_required
def claim_assign(request: HttpRequest, claim_id: int) -> HttpResponse:
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _claim_page_with(request, claim_id, 400, assign_form=form)
    assignee = form.cleaned_data["assignee"]
    try:
        event = desk_services.claim_assign(
            claim_id=claim_or_404(claim_id).pk,
            assignee=assignee,
            by=reviewer_of(request),
            expected_assignee_id=form.cleaned_data["current"],
            check=True,
        )
    except desk_services.AssignmentChanged as exc:
        messages.error(request, str(exc))
        return after_write(request, claim_id, DESK)
    except ValidationError as exc:
        add_form_errors(form, exc)
        return _claim_page_with(request, claim_id, 400, assign_form=form)
    if event is None:
        messages.info(request, "Nothing changed: the claim was already assigned so.")
    elif assignee is None:
        messages.success(request, "The claim is assigned to nobody now.")
    else:
        messages.success(request, f"Assigned to {assignee.get_username()}.")
    return after_write(request, claim_id, DESK)


@require_POST
@reviewer_required
def claim_comment(request: HttpRequest, claim_id: int) -> HttpResponse:
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _claim_page_with(request, claim_id, 400, comment_form=form)
    try:
        comment = desk_services.comment_add(
            claim_id=claim_or_404(claim_id).pk, author=reviewer_of(request), body=form.cleaned_data["body"]
        )
    except ValidationError as exc:
        add_form_errors(form, exc)
        return _claim_page_with(request, claim_id, 400, comment_form=form)
    named = [m.user.get_username() for m in comment.mentions.select_related("user")]
    messages.success(request, "Comment added" + (f"; mentioned {', '.join(named)}." if named else "."))
    return after_write(request, claim_id, f"#comment-{comment.pk}")


@require_POST
@reviewer_required
def claim_check(request: HttpRequest, claim_id: int) -> HttpResponse:
    form = CheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That checklist step could not be read; reload the page and try again.")
        return after_write(request, claim_id, DESK)
    try:
        desk_services.check_set(
            claim_id=claim_or_404(claim_id).pk,
            item_id=form.cleaned_data["item"],
            checked=form.cleaned_data["checked"],
            user=reviewer_of(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return after_write(request, claim_id, DESK)


@require_http_methods(["GET", "HEAD"])
@reviewer_required
def mentions(request: HttpRequest) -> HttpResponse:
    """The comments that name me, newest first."""
    reviewer = reviewer_of(request)
    comments = desk_selectors.mentions_of(user=reviewer, limit=MENTIONS_SHOWN)
    return render(
        request,
        "claims/mentions.html",
        {"comments": comments, "total": desk_selectors.mention_count(user=reviewer), "limit": MENTIONS_SHOWN},
    )


MENTIONS_SHOWN = 50
