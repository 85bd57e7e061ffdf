"""The claim page: reading a claim, its verdict form, the reviewer's edit, split, delete and restore,
and evidence decisions; also the claim context the review queue shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from claims.forms import (
    ClaimDeleteForm,
    ClaimEditForm,
    ClaimGroupForm,
    ClaimSplitForm,
    EvidenceDecisionForm,
    VerdictForm,
)
from claims.jobs import match as match_jobs
from claims.models import Claim, Evidence, Review
from claims.roles import AnyUser, can_review
from claims.selectors import claim_details as claim_selectors
from claims.selectors import claim_review as claim_review_selectors
from claims.selectors import corroboration as corroboration_selectors
from claims.selectors import figure_chart
from claims.selectors import groups as group_selectors
from claims.selectors import hand_links as hand_link_selectors
from claims.selectors import timeline as timeline_selectors
from claims.services import edits as edit_services
from claims.services import reviews as review_services
from claims.views.access import (
    add_form_errors,
    reviewer_of,
    reviewer_required,
    safe_next,
    viewer_required,
    with_version,
)
from claims.views.desk_parts import desk_context

DELETED_CLAIM = "This claim was deleted, so it takes no verdict."
DELETED_CLAIM_EDIT = "This claim was deleted; restore it before changing it."


def verdict_words(review: Review) -> str:
    """The verdict in words: "contested", "false (contested)", or "unproven" once when the two are one word."""
    verdict = review.get_verdict_display().lower()
    rating = review.rating.label.lower() if review.rating is not None else verdict
    return verdict if rating == verdict else f"{rating} ({verdict})"


def claim_or_404(claim_id: int) -> Claim:
    try:
        return claim_selectors.claim_get(claim_id=claim_id)
    except Claim.DoesNotExist:
        raise Http404("No claim with this number.") from None


@dataclass(slots=True)
class ClaimForms:
    """The forms a claim page shows a reviewer; a bound one carries a failed submission's errors."""

    verdict: VerdictForm | None = None
    edit: ClaimEditForm | None = None
    split: ClaimSplitForm | None = None
    delete: ClaimDeleteForm | None = None
    group: ClaimGroupForm | None = None
    open: str = ""  # the tool to show unfolded: "edit", "split" or "delete"

    @classmethod
    def for_claim(cls, claim: Claim, user: AnyUser) -> ClaimForms:
        if not can_review(user) or claim.deleted_at is not None:
            return cls()
        version = {"version": claim.version}
        return cls(
            verdict=VerdictForm(initial=version),
            edit=ClaimEditForm(initial={**version, "text": claim.text}),
            split=ClaimSplitForm(initial={**version, "texts": claim.text}),
            delete=ClaimDeleteForm(initial=version),
            group=ClaimGroupForm(),
        )


def replace_form(page_forms: ClaimForms, name: str, form: forms.Form) -> ClaimForms:
    """``page_forms`` with the submitted ``form`` in place of the blank one, shown unfolded."""
    if page_forms.verdict is not None:
        setattr(page_forms, name, form)
        page_forms.open = name
    return page_forms


def claim_context(request: HttpRequest, claim: Claim, page_forms: ClaimForms, conflict: str = "") -> dict[str, Any]:
    """Everything the claim view (and the queue, which shows the same claim view) renders."""
    corroboration = corroboration_selectors.claim_corroboration(claim=claim)
    evidence = claim_selectors.claim_evidence(claim=claim, include_withdrawn=request.GET.get("withdrawn") == "1")
    group = group_selectors.group_for_claim(claim=claim)
    return {
        "claim": claim,
        "article": claim.article,
        "facts": claim_selectors.claim_facts(claim=claim),
        "spans": claim_selectors.claim_spans_in_context(claim=claim),
        "evidence": evidence,
        "bulk_ids": hand_link_selectors.undecided_ids(evidence),  # the links a reviewer can tick (views.hand_links)
        "history": claim_selectors.claim_history(claim=claim),
        "group": group,
        # A deleted claim cannot be grouped, so it gets no suggestions either.
        "group_suggestions": []
        if group or claim.deleted_at
        else claim_selectors.claim_group_suggestions(evidence=evidence),
        "corroboration": corroboration,
        "publication": claim_review_selectors.claim_publication(claim),
        "timeline": timeline_selectors.claim_timeline(corroboration),
        "figure_charts": figure_chart.figure_charts(figure_chart.claim_figure_sources(claim=claim)),
        # Only a deleted claim can have been split (splitting hides the original).
        "split_into": claim_selectors.claim_split_relatives(claim=claim) if claim.deleted_at is not None else [],
        "form": page_forms.verdict,
        "forms": page_forms,
        "conflict": conflict,
        # Where the forms go back to after a write (the queue sets these); empty: the claim page.
        "verdict_next": safe_next(request),
        "stay_next": safe_next(request),
        **desk_context(request, claim),
    }


def claim_page(
    request: HttpRequest,
    claim: Claim,
    form: VerdictForm | None = None,
    conflict: str = "",
    status: int = 200,
    page_forms: ClaimForms | None = None,
) -> HttpResponse:
    page_forms = page_forms or ClaimForms.for_claim(claim, request.user)
    if form is not None:
        page_forms.verdict = form
    context = claim_context(request, claim, page_forms, conflict)
    return render(request, "claims/claim_detail.html", context, status=status)


def after_write(request: HttpRequest, claim_id: int, fragment: str = "") -> HttpResponse:
    """Post/redirect/get: back to the queue when the form came from it, else to the claim (at ``fragment``)."""
    return redirect((safe_next(request) or reverse("claims:claim-detail", kwargs={"claim_id": claim_id})) + fragment)


def _to_claim(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Post/redirect/get to the claim page, whichever page the form was posted from."""
    return redirect("claims:claim-detail", claim_id=claim_id)


# --- the verdict ----------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@viewer_required
def claim_detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = claim_or_404(claim_id)
    if request.method != "POST":
        return claim_page(request, claim)
    return _record_verdict(request, claim)


def _record_verdict(request: HttpRequest, claim: Claim) -> HttpResponse:
    reviewer = reviewer_of(request)
    form = VerdictForm(request.POST)
    if not form.is_valid():
        return claim_page(request, claim, form, status=400)
    if claim.deleted_at is not None:
        return claim_page(request, claim, conflict=DELETED_CLAIM, status=409)
    try:
        review = review_services.review_record(
            claim_id=claim.pk,
            reviewer=reviewer,
            verdict=form.cleaned_data["verdict"],
            rating=form.cleaned_data["rating"].slug if form.cleaned_data["rating"] else "",
            rationale=form.cleaned_data["rationale"],
            expected_version=form.cleaned_data["version"],
        )
    except review_services.StaleVersion as exc:
        # Nothing was written. Show the claim as it is now and keep what the reviewer typed;
        # the form now carries the current version, so sending it again is a deliberate choice.
        retry = VerdictForm(with_version(request, exc.claim.version))
        return claim_page(request, claim_or_404(claim.pk), retry, conflict=str(exc), status=409)
    except ValidationError as exc:
        add_form_errors(form, exc)
        return claim_page(request, claim, form, status=400)
    messages.success(request, f"Recorded your verdict: {verdict_words(review)}.")
    return after_write(request, claim.pk)


# --- reviewer edits of claims -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimTool:
    """One of the reviewer's tools on a claim (edit, split, delete): all of them post through ``_use_tool``."""

    name: str  # its ClaimForms attribute: the form shown unfolded, with errors, when a submission fails
    form_class: type[forms.Form]
    write: Callable[[Claim, User, dict[str, Any]], str]  # the service call; returns the success message
    when_deleted: Callable[[HttpRequest, Claim], HttpResponse]  # the answer when the claim is already deleted
    then: Callable[[HttpRequest, int], HttpResponse]  # where the reviewer goes after the write


def _use_tool(request: HttpRequest, claim_id: int, tool: ClaimTool) -> HttpResponse:
    reviewer = reviewer_of(request)
    claim = claim_or_404(claim_id)
    if claim.deleted_at is not None:
        return tool.when_deleted(request, claim)
    form = tool.form_class(request.POST)
    page_forms = replace_form(ClaimForms.for_claim(claim, reviewer), tool.name, form)
    if not form.is_valid():
        return claim_page(request, claim, status=400, page_forms=page_forms)
    try:
        message = tool.write(claim, reviewer, form.cleaned_data)
    except review_services.StaleVersion as exc:
        return _stale(request, claim.pk, exc, tool)
    except ValidationError as exc:
        add_form_errors(form, exc)
        return claim_page(request, claim, status=400, page_forms=page_forms)
    messages.success(request, message)
    return tool.then(request, claim.pk)


def _stale(request: HttpRequest, claim_id: int, exc: review_services.StaleVersion, tool: ClaimTool) -> HttpResponse:
    """Nothing was written: show the claim as it is now, the reviewer's input kept, carrying the current version."""
    claim = claim_or_404(claim_id)
    retry = tool.form_class(with_version(request, exc.claim.version))
    page_forms = replace_form(ClaimForms.for_claim(claim, request.user), tool.name, retry)
    return claim_page(request, claim, conflict=str(exc), status=409, page_forms=page_forms)


def _refuse_deleted(request: HttpRequest, claim: Claim) -> HttpResponse:
    return claim_page(request, claim, conflict=DELETED_CLAIM_EDIT, status=409)


def _already_deleted(request: HttpRequest, claim: Claim) -> HttpResponse:
    # Deleting twice is what the reviewer wanted anyway: no conflict, just say so.
    messages.info(request, "This claim was already deleted.")
    return _to_claim(request, claim.pk)


# A reworded, split-off or restored claim is matched again like a new one; the match job is queued in
# the same transaction as the change, so neither is stored without the other.


@transaction.atomic
def _edit(claim: Claim, user: User, data: dict[str, Any]) -> str:
    edited = edit_services.claim_edit(
        claim_id=claim.pk, text=data["text"], user=user, expected_version=data["version"], note=data["note"]
    )
    if edited.text == claim.text:
        return "The wording is unchanged."
    match_jobs.job_create_match_for_claims(claim_ids=[claim.pk], created_by=user)
    return "Saved the new wording. The claim keeps its spans, evidence and history; it is being matched again."


@transaction.atomic
def _split(claim: Claim, user: User, data: dict[str, Any]) -> str:
    parts = edit_services.claim_split(
        claim_id=claim.pk, texts=data["texts"], user=user, expected_version=data["version"]
    )
    match_jobs.job_create_match_for_claims(claim_ids=[p.pk for p in parts], created_by=user)
    return f"Split claim {claim.pk} into {len(parts)} claims; it is now hidden from the article."


def _delete(claim: Claim, user: User, data: dict[str, Any]) -> str:
    edit_services.claim_delete(claim_id=claim.pk, user=user, reason=data["reason"], expected_version=data["version"])
    return "Deleted the claim. It is hidden from the article and the queue, and can be restored."


# An edit keeps the claim in place, so the queue may carry on from it; a split or a delete hides it.
EDIT = ClaimTool("edit", ClaimEditForm, _edit, when_deleted=_refuse_deleted, then=after_write)
SPLIT = ClaimTool("split", ClaimSplitForm, _split, when_deleted=_refuse_deleted, then=_to_claim)
DELETE = ClaimTool("delete", ClaimDeleteForm, _delete, when_deleted=_already_deleted, then=_to_claim)


@require_POST
@reviewer_required
def claim_edit(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _use_tool(request, claim_id, EDIT)


@require_POST
@reviewer_required
def claim_split(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _use_tool(request, claim_id, SPLIT)


@require_POST
@reviewer_required
def claim_delete(request: HttpRequest, claim_id: int) -> HttpResponse:
    return _use_tool(request, claim_id, DELETE)


@require_POST
@reviewer_required
def claim_restore(request: HttpRequest, claim_id: int) -> HttpResponse:
    reviewer = reviewer_of(request)
    claim = claim_or_404(claim_id)
    with transaction.atomic():
        edit_services.claim_restore(claim_id=claim.pk, user=reviewer)
        match_jobs.job_create_match_for_claims(claim_ids=[claim.pk], created_by=reviewer)
    messages.success(request, "Restored the claim: it shows in the article and the queue again.")
    return _to_claim(request, claim.pk)


# --- evidence ---------------------------------------------------------------------------------


@require_POST
@reviewer_required
def evidence_decide(request: HttpRequest, evidence_id: int) -> HttpResponse:
    reviewer = reviewer_of(request)
    try:
        evidence = claim_selectors.evidence_get(evidence_id=evidence_id)
    except Evidence.DoesNotExist:
        raise Http404("No evidence with this number.") from None
    form = EvidenceDecisionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Choose confirm or reject.")
    try:
        record = review_services.evidence_decide(
            evidence_id=evidence.pk,
            reviewer=reviewer,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return after_write(request, evidence.claim_id, f"#evidence-{evidence.pk}")
    messages.success(request, f"{record.get_decision_display()} the evidence.")
    return after_write(request, evidence.claim_id, focus_fragment(evidence.claim, [evidence.pk]))


def focus_fragment(claim: Claim, decided: list[int]) -> str:
    """Where the page opens after a decision: at the next undecided link, not the top of the page."""
    following = hand_link_selectors.focus_after(claim_selectors.claim_evidence(claim=claim), decided)
    return f"#evidence-{following}" if following is not None else "#evidence-heading"
