"""Duplicate groups: the list, a group's page, merging into it, splitting it, its canonical wording,
and starting a group from a claim page."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from claims.filters import GroupFilter
from claims.forms import ClaimGroupForm, GroupCanonicalForm, GroupMergeForm, GroupMergeSearchForm, GroupSplitForm
from claims.models import DuplicateGroup
from claims.roles import AnyUser, can_review
from claims.selectors import figure_chart
from claims.selectors import group_merge as group_merge_selectors
from claims.selectors import groups as group_selectors
from claims.services import groups as group_services
from claims.views.access import add_form_errors, reviewer_of, reviewer_required, viewer_required, with_version
from claims.views.claim_pages import ClaimForms, claim_or_404, claim_page, replace_form

GROUPS_PER_PAGE = 50
GROUP_HISTORY_SHOWN = 100
CANONICAL_INVALID = "Choose one of the group's claims as the canonical wording; reload the page and try again."


@require_http_methods(["GET", "HEAD"])
@viewer_required
def group_list(request: HttpRequest) -> HttpResponse:
    filters = GroupFilter(request.GET or None, queryset=group_selectors.groups_with_members())
    # The API's filter: "conflicting" is true or false (1 or 0); a value it refuses filters nothing.
    valid = filters.is_valid()
    groups = filters.qs if valid else filters.queryset
    page = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "claims/group_list.html",
        {
            "filters": filters.form,
            "conflicting": valid and filters.form.cleaned_data["conflicting"] is True,
            "page": page,
            "rows": group_selectors.group_rows(page.object_list),
        },
    )


def _group_or_404(group_id: int) -> DuplicateGroup:
    try:
        return group_selectors.group_get(group_id=group_id)
    except DuplicateGroup.DoesNotExist:
        raise Http404("No duplicate group with this number.") from None


@dataclass(slots=True)
class GroupForms:
    """The forms a group page shows a reviewer; a bound one carries a failed submission's input and errors."""

    merge: GroupMergeForm | None = None
    split: GroupSplitForm | None = None

    @classmethod
    def for_group(cls, group: DuplicateGroup, member_ids: list[int], user: AnyUser) -> GroupForms:
        if not can_review(user):
            return cls()
        version = {"version": group.version}
        return cls(merge=GroupMergeForm(initial=version), split=GroupSplitForm(initial=version, member_ids=member_ids))


def _group_page(
    request: HttpRequest,
    group: DuplicateGroup,
    bound: GroupForms | None = None,
    conflict: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    rows = group_selectors.group_members(group=group)
    page_forms = GroupForms.for_group(group, [r.claim.pk for r in rows], request.user)
    if page_forms.merge is not None and bound is not None:
        page_forms.merge = bound.merge or page_forms.merge
        page_forms.split = bound.split or page_forms.split
    ticked = request.POST.getlist("claims") if page_forms.split and page_forms.split.is_bound else []
    # Without JavaScript the search box submits to this page (?q=): the results render in place. A pick
    # carries its search words (q), so a refused merge shows them and their results again.
    sent = request.GET if "q" in request.GET else request.POST if "q" in request.POST else None
    search_form = GroupMergeSearchForm(sent)
    return render(
        request,
        "claims/group_detail.html",
        {
            "group": group,
            "rows": rows,
            "figures": group_selectors.group_figures(rows=rows),
            "figure_charts": figure_chart.figure_charts(
                figure_chart.group_figure_sources(claims=[r.claim for r in rows]), events_of_own=False
            ),
            "history": group_selectors.group_history_rows(
                group=group, decisions=group_selectors.group_history(group=group)[:GROUP_HISTORY_SHOWN]
            ),
            "forms": page_forms,
            **(_merge_search(group, search_form) if page_forms.merge is not None else {}),
            "members_without_verdict": group_selectors.members_without_own_verdict(group=group, rows=rows),
            "ticked": {int(pk) for pk in ticked if str(pk).isdigit()},
            "conflict": conflict,
            "error": error,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
@viewer_required
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    return _group_page(request, _group_or_404(group_id))


def _merge_search(group: DuplicateGroup, form: GroupMergeSearchForm) -> dict[str, object]:
    """The merge search box and, when words were sent, the claims outside this group they find."""
    q = form.cleaned_data["q"].strip() if form.is_bound and form.is_valid() else ""
    return {
        "merge_search": form,
        "merge_q": q,
        "merge_candidates": group_merge_selectors.merge_candidates(group=group, q=q) if q else [],
    }


@require_http_methods(["GET", "HEAD"])
@reviewer_required
def group_merge_search(request: HttpRequest, group_id: int) -> HttpResponse:
    """The merge search's results alone, for htmx to swap under the box as the reviewer types."""
    group = _group_or_404(group_id)
    context = {"group": group, **_merge_search(group, GroupMergeSearchForm(request.GET))}
    return render(request, "claims/_group_merge_results.html", context)


@require_POST
@reviewer_required
def group_merge(request: HttpRequest, group_id: int) -> HttpResponse:
    reviewer = reviewer_of(request)
    group = _group_or_404(group_id)
    form = GroupMergeForm(request.POST)
    bound = GroupForms(merge=form)
    if not form.is_valid():
        return _group_page(request, group, bound, status=400)
    missing = group_selectors.groups_missing(group_ids=form.cleaned_data["groups"])
    if missing:
        form.add_error("groups", f"No such group: {', '.join(map(str, missing))}.")
        return _group_page(request, group, bound, status=400)
    try:
        group_services.group_merge(
            group_id=group.pk,
            user=reviewer,
            claim_ids=form.cleaned_data["claims"],
            other_group_ids=form.cleaned_data["groups"],
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
    except group_services.GroupChanged as exc:
        retry = GroupForms(merge=GroupMergeForm(with_version(request, exc.group.version)))
        return _group_page(request, _group_or_404(group.pk), retry, conflict=str(exc), status=409)
    except ValidationError as exc:
        add_form_errors(form, exc)
        return _group_page(request, group, bound, status=400)
    messages.success(request, "Merged: the claims are in this group now, pinned so that recomputes keep them here.")
    return redirect("claims:group-detail", group_id=group.pk)


@require_POST
@reviewer_required
def group_split(request: HttpRequest, group_id: int) -> HttpResponse:
    reviewer = reviewer_of(request)
    group = _group_or_404(group_id)
    member_ids = [r.claim.pk for r in group_selectors.group_members(group=group)]
    form = GroupSplitForm(request.POST, member_ids=member_ids)
    bound = GroupForms(split=form)
    if not form.is_valid():
        return _group_page(request, group, bound, status=400)
    try:
        new = group_services.group_split(
            group_id=group.pk,
            claim_ids=form.cleaned_data["claims"],
            user=reviewer,
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
    except group_services.GroupChanged as exc:
        return _split_conflict(request, group.pk, exc)
    except ValidationError as exc:
        add_form_errors(form, exc)
        return _group_page(request, group, bound, status=400)
    moved = form.cleaned_data["claims"]
    if new.members.exists():
        messages.success(request, f"Moved {len(moved)} claim(s) out into group {new.pk}.")
    else:
        messages.success(request, f"Moved claim {moved[0]} out: alone, it is no group, so it is ungrouped now.")
    return redirect("claims:group-detail", group_id=group.pk)


def _split_conflict(request: HttpRequest, group_id: int, exc: group_services.GroupChanged) -> HttpResponse:
    """The group changed since the page was read: show it as it is now, the ticks offered against its members now."""
    fresh = _group_or_404(group_id)
    ids = [r.claim.pk for r in group_selectors.group_members(group=fresh)]
    retry = GroupForms(split=GroupSplitForm(with_version(request, fresh.version), member_ids=ids))
    return _group_page(request, fresh, retry, conflict=str(exc), status=409)


@require_POST
@reviewer_required
def group_canonical(request: HttpRequest, group_id: int) -> HttpResponse:
    reviewer = reviewer_of(request)
    group = _group_or_404(group_id)
    form = GroupCanonicalForm(request.POST)
    if not form.is_valid():
        return _group_page(request, group, error=CANONICAL_INVALID, status=400)
    try:
        group_services.group_set_canonical(
            group_id=group.pk,
            claim_id=form.cleaned_data["claim"],
            user=reviewer,
            expected_version=form.cleaned_data["version"],
        )
    except group_services.GroupChanged as exc:
        return _group_page(request, _group_or_404(group.pk), conflict=str(exc), status=409)
    except ValidationError as exc:
        return _group_page(request, group, error=" ".join(exc.messages), status=400)
    messages.success(request, f"Claim {form.cleaned_data['claim']} is now the canonical wording of this group.")
    return redirect("claims:group-detail", group_id=group.pk)


@require_POST
@reviewer_required
def claim_group(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Start a duplicate group from the claim view (post/redirect/get to the new group)."""
    reviewer = reviewer_of(request)
    claim = claim_or_404(claim_id)
    form = ClaimGroupForm(request.POST)
    page_forms = replace_form(ClaimForms.for_claim(claim, reviewer), "group", form)
    if not form.is_valid():
        return claim_page(request, claim, status=400, page_forms=page_forms)
    existing = group_selectors.group_for_claim(claim=claim)
    if existing is not None:
        # Starting a new group would silently pull the claim out of its group: merge there instead.
        form.add_error(None, f"This claim is already in group {existing.pk}; merge claims into that group.")
        return claim_page(request, claim, status=409, page_forms=page_forms)
    try:
        group = group_services.group_create(
            claim_ids=[claim.pk, *form.cleaned_data["claims"]], user=reviewer, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        add_form_errors(form, exc)
        return claim_page(request, claim, status=400, page_forms=page_forms)
    messages.success(request, f"Grouped claim {claim.pk} with {len(form.cleaned_data['claims'])} other claim(s).")
    return redirect("claims:group-detail", group_id=group.pk)
