"""The review queue: the next claim to review, leased to the reviewer, and leaving the queue."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from claims.forms import QueueFilterForm
from claims.models import ClaimStatus
from claims.selectors import desk as desk_selectors
from claims.selectors import review_queue as queue_selectors
from claims.services import leases as lease_services
from claims.views.access import reviewer_of, reviewer_required
from claims.views.claim_pages import ClaimForms, claim_context

QUEUE_LIST_ROWS = 50


def _cursor(request: HttpRequest, name: str) -> int | None:
    """The claim id the reviewer moves on from ("after") or back from ("before"); anything else is no move."""
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def _queue_filters(request: HttpRequest) -> tuple[QueueFilterForm, queue_selectors.QueueFilters]:
    # A form, not a FilterSet: the queue filters no queryset here. lease_services.queue_next picks the claim
    # from QueueFilters (leases and the after/before cursor included), and "status" has choices no API
    # claim filter has ("figures", "any") with "unreviewed" as its default.
    form = QueueFilterForm(request.GET)
    if not form.is_valid():
        return form, queue_selectors.QueueFilters()
    data = form.cleaned_data
    return form, queue_selectors.QueueFilters(
        story=data["story"],
        outlet=data["outlet"],
        status=data["status"] or ClaimStatus.UNREVIEWED,
        assignee=_assignee(request, data["assignee"]),
        unassigned=data["assignee"] == "none",
        after=_cursor(request, "after"),
        before=_cursor(request, "before"),
    )


def _assignee(request: HttpRequest, value: str) -> User | None:
    """The reviewer whose claims the queue keeps to: "me", a reviewer's id (the form offered only those), or none."""
    if value == "me":
        return reviewer_of(request)
    if value.isdigit():
        return User.objects.filter(pk=int(value)).first()
    return None


def _queue_url(filters: queue_selectors.QueueFilters, name: str = "claims:queue", **move: int) -> str:
    params: dict[str, str | int] = {"status": filters.status}
    if filters.story is not None:
        params["story"] = filters.story.slug
    if filters.outlet is not None:
        params["outlet"] = filters.outlet.pk
    if filters.assignee is not None:
        params["assignee"] = filters.assignee.pk
    if filters.unassigned:
        params["assignee"] = "none"
    params.update(move)
    return reverse(name) + "?" + urlencode(params)


@require_http_methods(["GET", "HEAD"])
@reviewer_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """The next claim to review, leased to this reviewer so nobody else gets it meanwhile."""
    reviewer = reviewer_of(request)
    filter_form, filters = _queue_filters(request)
    claim = lease_services.queue_next(user=reviewer, filters=filters)
    context: dict[str, Any] = {
        "filter_form": filter_form,
        "filters": filters,
        "here": _queue_url(filters),
        "list_url": _queue_url(filters, "claims:queue-list"),
        "mentions": desk_selectors.mention_count(user=reviewer),
        "lease_minutes": int(lease_services.LEASE_TTL.total_seconds() // 60),
    }
    if claim is None:
        context["claim"] = None
        context["moved"] = filters.after is not None or filters.before is not None
        return render(request, "claims/queue.html", context)
    context.update(claim_context(request, claim, ClaimForms.for_claim(claim, reviewer)))
    context.update(
        {
            "queue_row": queue_selectors.queue_row(claim=claim),
            "next_url": _queue_url(filters, after=claim.pk),
            "prev_url": _queue_url(filters, before=claim.pk),
            # After a verdict the queue moves on; after an evidence decision or an edit it shows the same claim.
            "verdict_next": _queue_url(filters, after=claim.pk),
            "stay_next": _queue_url(filters),
        }
    )
    return render(request, "claims/queue.html", context)


@require_http_methods(["GET", "HEAD"])
@reviewer_required
def queue_list(request: HttpRequest) -> HttpResponse:
    """The queue as a list: what comes next, and why each claim is where it is."""
    reviewer = reviewer_of(request)
    filter_form, filters = _queue_filters(request)
    context = {
        "filter_form": filter_form,
        "filters": filters,
        "rows": queue_selectors.queue_rows(filters=filters, limit=QUEUE_LIST_ROWS),
        "limit": QUEUE_LIST_ROWS,
        "work_url": _queue_url(filters),
        "mentions": desk_selectors.mention_count(user=reviewer),
    }
    return render(request, "claims/queue_list.html", context)


@require_POST
@reviewer_required
def queue_release(request: HttpRequest) -> HttpResponse:
    lease_services.queue_release(user=reviewer_of(request))
    messages.info(request, "You left the queue; your claim is free for others.")
    return redirect("claims:dashboard")
