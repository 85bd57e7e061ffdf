"""Reviewer web interface: thin views over selectors (reads) and services (writes).

Every page needs a role (see claims.roles): viewers read, reviewers also post
verdicts, evidence decisions and uploads. The server enforces this; templates
only hide what a user may not use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Concatenate, ParamSpec
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from claims import group_selectors, group_services, matching_selectors, matching_services, queue, selectors, services
from claims.forms import (
    ArticleFilterForm,
    ClaimAddForm,
    ClaimDeleteForm,
    ClaimEditForm,
    ClaimGroupForm,
    ClaimSplitForm,
    EvidenceDecisionForm,
    GroupCanonicalForm,
    GroupFilterForm,
    GroupMergeForm,
    GroupSplitForm,
    QueueFilterForm,
    SearchForm,
    UploadForm,
    VerdictForm,
)
from claims.models import Claim, ClaimStatus, DuplicateGroup, Evidence, Job, JobKind, JobState
from claims.roles import AnyUser, can_admin, can_review, can_view
from sources import selectors as source_selectors
from sources.models import Article
from sources.services import story_create

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]

ARTICLES_PER_PAGE = 50
JOB_ITEMS_PER_PAGE = 100
NO_ROLE = "Your account has no role in the workbench yet. Ask an admin to make you a viewer or reviewer."
REVIEWERS_ONLY = "Only reviewers can do this. Ask an admin if you need the reviewer role."
DELETED_CLAIM = "This claim was deleted, so it takes no verdict."
DELETED_CLAIM_EDIT = "This claim was deleted; restore it before changing it."


def role_required(check: Callable[[AnyUser], bool], message: str) -> Callable[[View[P]], View[P]]:
    """Log in first, then 403 (with ``message``) unless ``check`` passes for the user."""

    def decorator(view: View[P]) -> View[P]:
        @wraps(view)
        def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not check(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


viewer_required = role_required(can_view, NO_ROLE)


def reviewer_required(view: View[P]) -> View[P]:
    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not can_review(request.user):
            raise PermissionDenied(NO_ROLE if not can_view(request.user) else REVIEWERS_ONLY)
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _reviewer(request: HttpRequest) -> User:
    """The signed-in reviewer posting a form; 403 for anyone else, whatever the page showed."""
    user = request.user
    if not isinstance(user, User) or not can_review(user):
        raise PermissionDenied(REVIEWERS_ONLY)
    return user


# --- reading ------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@viewer_required
def article_list(request: HttpRequest) -> HttpResponse:
    filters = ArticleFilterForm(request.GET or None)
    story = outlet = None
    if filters.is_bound and filters.is_valid():
        story, outlet = filters.cleaned_data["story"], filters.cleaned_data["outlet"]
    page = Paginator(selectors.article_list(story=story, outlet=outlet), ARTICLES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "claims/article_list.html",
        {
            "filters": filters,
            "story": story,
            "outlet": outlet,
            "page": page,
            "rows": selectors.article_rows(page.object_list),
            "jobs": selectors.jobs_recent(),
        },
    )


def _article_or_404(article_id: int) -> Article:
    try:
        return source_selectors.article_get(article_id=article_id)
    except Article.DoesNotExist:
        raise Http404("No article with this number.") from None


def _reader_page(
    request: HttpRequest, article: Article, add_form: ClaimAddForm | None = None, status: int = 200
) -> HttpResponse:
    paragraphs = selectors.article_reader(article=article)
    markers = selectors.reader_claims(paragraphs)
    adding = None
    if can_review(request.user):
        posted = add_form.data.get("position") if add_form is not None else None
        position = str(posted or request.GET.get("add") or "")
        adding = selectors.reader_sentence(paragraphs, int(position)) if position.isdigit() else None
        if adding is not None and add_form is None:
            add_form = ClaimAddForm(initial={"sentence": adding.sentence.pk, "text": adding.sentence.text})
    return render(
        request,
        "claims/article_detail.html",
        {
            "article": article,
            "paragraphs": paragraphs,
            "counts": selectors.claim_status_counts(markers),
            "reviewed": [m.claim for m in markers if m.claim.status != ClaimStatus.UNREVIEWED],
            "adding": adding,
            "add_form": add_form if adding is not None else None,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
@viewer_required
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    return _reader_page(request, _article_or_404(article_id))


@require_POST
@reviewer_required
def claim_add(request: HttpRequest, article_id: int) -> HttpResponse:
    """A reviewer's own claim on one sentence of the article (post/redirect/get to the new claim)."""
    reviewer = _reviewer(request)
    article = _article_or_404(article_id)
    form = ClaimAddForm(request.POST)
    if not form.is_valid():
        return _reader_page(request, article, form, status=400)
    sentence = article.sentences.filter(pk=form.cleaned_data["sentence"]).first()
    if sentence is None:
        return HttpResponseBadRequest("That sentence is not part of this article.")
    try:
        claim = services.claim_add(sentence_id=sentence.pk, text=form.cleaned_data["text"], user=reviewer)
    except ValidationError as exc:
        _edit_errors(form, exc)
        return _reader_page(request, article, form, status=400)
    messages.success(request, f"Added claim {claim.pk} on sentence {sentence.position + 1}.")
    return redirect("claims:claim-detail", claim_id=claim.pk)


def _claim_or_404(claim_id: int) -> Claim:
    try:
        return selectors.claim_get(claim_id=claim_id)
    except Claim.DoesNotExist:
        raise Http404("No claim with this number.") from None


def _safe_next(request: HttpRequest) -> str:
    """Where a form posted from the queue goes back to; empty unless it is a path on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


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


def claim_context(request: HttpRequest, claim: Claim, forms: ClaimForms, conflict: str = "") -> dict[str, Any]:
    """Everything the claim view (and the queue, which shows the same claim view) renders."""
    corroboration = matching_selectors.claim_corroboration(claim=claim)
    evidence = selectors.claim_evidence(claim=claim, include_withdrawn=request.GET.get("withdrawn") == "1")
    group = group_selectors.group_for_claim(claim=claim)
    return {
        "claim": claim,
        "article": claim.article,
        "facts": selectors.claim_facts(claim=claim),
        "spans": selectors.claim_spans_in_context(claim=claim),
        "evidence": evidence,
        "history": selectors.claim_history(claim=claim),
        "group": group,
        # A deleted claim cannot be grouped, so it gets no suggestions either.
        "group_suggestions": [] if group or claim.deleted_at else selectors.claim_group_suggestions(evidence=evidence),
        "corroboration": corroboration,
        "timeline": selectors.claim_timeline(corroboration),
        # Only a deleted claim can have been split (splitting hides the original).
        "split_into": selectors.claim_split_relatives(claim=claim) if claim.deleted_at is not None else [],
        "form": forms.verdict,
        "forms": forms,
        "conflict": conflict,
        # Where the forms go back to after a write (the queue sets these); empty: the claim page.
        "verdict_next": _safe_next(request),
        "stay_next": _safe_next(request),
    }


def _claim_page(
    request: HttpRequest,
    claim: Claim,
    form: VerdictForm | None = None,
    conflict: str = "",
    status: int = 200,
    forms: ClaimForms | None = None,
) -> HttpResponse:
    forms = forms or ClaimForms.for_claim(claim, request.user)
    if form is not None:
        forms.verdict = form
    return render(request, "claims/claim_detail.html", claim_context(request, claim, forms, conflict), status=status)


def _after_write(request: HttpRequest, claim_id: int, fragment: str = "") -> HttpResponse:
    """Post/redirect/get: back to the queue when the form came from it, else to the claim."""
    return redirect(_safe_next(request) or reverse("claims:claim-detail", kwargs={"claim_id": claim_id}) + fragment)


@require_http_methods(["GET", "HEAD", "POST"])
@viewer_required
def claim_detail(request: HttpRequest, claim_id: int) -> HttpResponse:
    claim = _claim_or_404(claim_id)
    if request.method != "POST":
        return _claim_page(request, claim)
    reviewer = _reviewer(request)
    form = VerdictForm(request.POST)
    if not form.is_valid():
        return _claim_page(request, claim, form, status=400)
    if claim.deleted_at is not None:
        return _claim_page(request, claim, conflict=DELETED_CLAIM, status=409)
    try:
        review = services.review_record(
            claim_id=claim.pk,
            reviewer=reviewer,
            verdict=form.cleaned_data["verdict"],
            rationale=form.cleaned_data["rationale"],
            expected_version=form.cleaned_data["version"],
        )
    except services.StaleVersion as exc:
        # Nothing was written. Show the claim as it is now and keep what the reviewer typed;
        # the form now carries the current version, so sending it again is a deliberate choice.
        data = request.POST.copy()
        data["version"] = str(exc.claim.version)
        return _claim_page(request, _claim_or_404(claim_id), VerdictForm(data), conflict=str(exc), status=409)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return _claim_page(request, claim, form, status=400)
    messages.success(request, f"Recorded your verdict: {review.get_verdict_display().lower()}.")
    return _after_write(request, claim.pk)


# --- reviewer edits of claims ---------------------------------------------------------


def _stale(request: HttpRequest, claim_id: int, exc: services.StaleVersion, forms: ClaimForms) -> HttpResponse:
    """Nothing was written: show the claim as it is now, the reviewer's input kept, carrying the current version."""
    claim = _claim_or_404(claim_id)
    fresh = ClaimForms.for_claim(claim, request.user)
    bound = {"edit": forms.edit, "split": forms.split, "delete": forms.delete}[forms.open]
    if bound is not None and fresh.verdict is not None:
        data = request.POST.copy()
        data["version"] = str(exc.claim.version)
        setattr(fresh, forms.open, type(bound)(data))
        fresh.open = forms.open
    return _claim_page(request, claim, conflict=str(exc), status=409, forms=fresh)


def _edit_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_POST
@reviewer_required
def claim_edit(request: HttpRequest, claim_id: int) -> HttpResponse:
    reviewer = _reviewer(request)
    claim = _claim_or_404(claim_id)
    form = ClaimEditForm(request.POST)
    page_forms = replace_form(ClaimForms.for_claim(claim, reviewer), "edit", form)
    if claim.deleted_at is not None:
        return _claim_page(request, claim, conflict=DELETED_CLAIM_EDIT, status=409)
    if not form.is_valid():
        return _claim_page(request, claim, status=400, forms=page_forms)
    try:
        services.claim_edit(
            claim_id=claim.pk,
            text=form.cleaned_data["text"],
            user=reviewer,
            expected_version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
        )
    except services.StaleVersion as exc:
        return _stale(request, claim.pk, exc, page_forms)
    except ValidationError as exc:
        _edit_errors(form, exc)
        return _claim_page(request, claim, status=400, forms=page_forms)
    messages.success(request, "Saved the new wording. The claim keeps its spans, evidence and history.")
    return _after_write(request, claim.pk)


@require_POST
@reviewer_required
def claim_split(request: HttpRequest, claim_id: int) -> HttpResponse:
    reviewer = _reviewer(request)
    claim = _claim_or_404(claim_id)
    form = ClaimSplitForm(request.POST)
    page_forms = replace_form(ClaimForms.for_claim(claim, reviewer), "split", form)
    if claim.deleted_at is not None:
        return _claim_page(request, claim, conflict=DELETED_CLAIM_EDIT, status=409)
    if not form.is_valid():
        return _claim_page(request, claim, status=400, forms=page_forms)
    try:
        parts = services.claim_split(
            claim_id=claim.pk,
            texts=form.cleaned_data["texts"],
            user=reviewer,
            expected_version=form.cleaned_data["version"],
        )
    except services.StaleVersion as exc:
        return _stale(request, claim.pk, exc, page_forms)
    except ValidationError as exc:
        _edit_errors(form, exc)
        return _claim_page(request, claim, status=400, forms=page_forms)
    messages.success(request, f"Split claim {claim.pk} into {len(parts)} claims; it is now hidden from the article.")
    return redirect("claims:claim-detail", claim_id=claim.pk)


@require_POST
@reviewer_required
def claim_delete(request: HttpRequest, claim_id: int) -> HttpResponse:
    reviewer = _reviewer(request)
    claim = _claim_or_404(claim_id)
    form = ClaimDeleteForm(request.POST)
    page_forms = replace_form(ClaimForms.for_claim(claim, reviewer), "delete", form)
    if claim.deleted_at is not None:
        messages.info(request, "This claim was already deleted.")
        return redirect("claims:claim-detail", claim_id=claim.pk)
    if not form.is_valid():
        return _claim_page(request, claim, status=400, forms=page_forms)
    try:
        services.claim_delete(
            claim_id=claim.pk,
            user=reviewer,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except services.StaleVersion as exc:
        return _stale(request, claim.pk, exc, page_forms)
    except ValidationError as exc:
        _edit_errors(form, exc)
        return _claim_page(request, claim, status=400, forms=page_forms)
    messages.success(request, "Deleted the claim. It is hidden from the article and the queue, and can be restored.")
    return redirect("claims:claim-detail", claim_id=claim.pk)


@require_POST
@reviewer_required
def claim_restore(request: HttpRequest, claim_id: int) -> HttpResponse:
    reviewer = _reviewer(request)
    claim = _claim_or_404(claim_id)
    services.claim_restore(claim_id=claim.pk, user=reviewer)
    messages.success(request, "Restored the claim: it shows in the article and the queue again.")
    return redirect("claims:claim-detail", claim_id=claim.pk)


def replace_form(page_forms: ClaimForms, name: str, form: forms.Form) -> ClaimForms:
    """``page_forms`` with the submitted ``form`` in place of the blank one, shown unfolded."""
    if page_forms.verdict is not None:
        setattr(page_forms, name, form)
        page_forms.open = name
    return page_forms


@require_POST
@reviewer_required
def evidence_decide(request: HttpRequest, evidence_id: int) -> HttpResponse:
    reviewer = _reviewer(request)
    try:
        evidence = selectors.evidence_get(evidence_id=evidence_id)
    except Evidence.DoesNotExist:
        raise Http404("No evidence with this number.") from None
    form = EvidenceDecisionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Choose confirm or reject.")
    record = services.evidence_decide(
        evidence_id=evidence.pk,
        reviewer=reviewer,
        decision=form.cleaned_data["decision"],
        note=form.cleaned_data["note"],
    )
    messages.success(request, f"{record.get_decision_display()} the evidence.")
    return _after_write(request, evidence.claim_id, f"#evidence-{evidence.pk}")


# --- ingesting ------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@reviewer_required
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_bound and form.is_valid():
        name = form.story_name()
        story = story_create(name=name, slug=slugify(name)) if name else None
        job = services.job_create_ingest(documents=form.documents(), created_by=_reviewer(request), story=story)
        messages.success(request, f"Queued {job.total} document(s) for ingestion as job {job.pk}.")
        return redirect("claims:job-detail", job_id=job.pk)
    return render(
        request,
        "claims/upload.html",
        {"form": form, "stories": source_selectors.stories_all()},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "HEAD"])
@viewer_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    try:
        job = selectors.job_get(job_id=job_id)
    except Job.DoesNotExist:
        raise Http404("No job with this number.") from None
    items = Paginator(selectors.job_items_report(job=job), JOB_ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    duration = (job.finished_at - job.started_at).total_seconds() if job.started_at and job.finished_at else None
    return render(
        request,
        "claims/job_detail.html",
        {
            "job": job,
            "items": items,
            "duration": duration,
            "active": job.state in (JobState.QUEUED, JobState.RUNNING),
            # Match and recompute jobs work in steps (index, then link, per chunk of claims), not documents.
            "steps": job.kind in (JobKind.MATCH, JobKind.RECOMPUTE),
        },
    )


@require_http_methods(["GET", "HEAD"])
@viewer_required
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress bar of one job, polled by htmx on the dashboard while the job runs."""
    try:
        job = selectors.job_get(job_id=job_id)
    except Job.DoesNotExist:
        raise Http404("No job with this number.") from None
    return render(request, "claims/_job_progress.html", {"job": job})


# --- dashboard, queue, search ---------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@viewer_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "claims/dashboard.html",
        {
            "stories": selectors.dashboard_stories(),
            "active_jobs": selectors.jobs_active(),
            "finished_jobs": selectors.jobs_finished(),
            "upload_form": UploadForm() if can_review(request.user) else None,
        },
    )


def _queue_filters(request: HttpRequest) -> tuple[QueueFilterForm, queue.QueueFilters]:
    form = QueueFilterForm(request.GET)
    if not form.is_valid():
        return form, queue.QueueFilters()
    data = form.cleaned_data

    def claim_id(name: str) -> int | None:
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else None

    return form, queue.QueueFilters(
        story=data["story"],
        outlet=data["outlet"],
        status=data["status"] or ClaimStatus.UNREVIEWED,
        after=claim_id("after"),
        before=claim_id("before"),
    )


def _queue_url(filters: queue.QueueFilters, **move: int) -> str:
    params: dict[str, str | int] = {"status": filters.status}
    if filters.story is not None:
        params["story"] = filters.story.slug
    if filters.outlet is not None:
        params["outlet"] = filters.outlet.pk
    params.update(move)
    return reverse("claims:queue") + "?" + urlencode(params)


@require_http_methods(["GET", "HEAD"])
@reviewer_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """The next claim to review, leased to this reviewer so nobody else gets it meanwhile."""
    reviewer = _reviewer(request)
    filter_form, filters = _queue_filters(request)
    claim = queue.queue_next(user=reviewer, filters=filters)
    context: dict[str, Any] = {
        "filter_form": filter_form,
        "filters": filters,
        "here": _queue_url(filters),
        "lease_minutes": int(queue.LEASE_TTL.total_seconds() // 60),
    }
    if claim is None:
        context["claim"] = None
        context["moved"] = filters.after is not None or filters.before is not None
        return render(request, "claims/queue.html", context)
    context.update(claim_context(request, claim, ClaimForms.for_claim(claim, reviewer)))
    context.update(
        {
            "next_url": _queue_url(filters, after=claim.pk),
            "prev_url": _queue_url(filters, before=claim.pk),
            # After a verdict the queue moves on; after an evidence decision or an edit it shows the same claim.
            "verdict_next": _queue_url(filters, after=claim.pk),
            "stay_next": _queue_url(filters),
        }
    )
    return render(request, "claims/queue.html", context)


ADMINS_ONLY = "Only admins can recompute every link: it re-scores the whole corpus."


@require_POST
@login_required
def recompute(request: HttpRequest) -> HttpResponse:
    """An admin re-links every claim and regroups (reviewers' decisions and pinned members are kept)."""
    user = request.user
    if not isinstance(user, User) or not can_admin(user):
        raise PermissionDenied(ADMINS_ONLY)
    running = selectors.job_active(kind=JobKind.RECOMPUTE)
    if running is not None:
        messages.info(request, f"A recompute is already under way as job {running.pk}; it was not started twice.")
        return redirect("claims:dashboard")
    job = matching_services.job_create_recompute(created_by=user)
    messages.success(request, f"Recomputing every link and group as job {job.pk}: {job.total} step(s).")
    return redirect("claims:dashboard")


@require_POST
@reviewer_required
def queue_release(request: HttpRequest) -> HttpResponse:
    queue.queue_release(user=_reviewer(request))
    messages.info(request, "You left the queue; your claim is free for others.")
    return redirect("claims:dashboard")


SEARCH_PER_PAGE = 25


@require_http_methods(["GET", "HEAD"])
@viewer_required
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "q": ""}
    if form.is_bound and form.is_valid():
        q = form.cleaned_data["q"]
        claims = Paginator(selectors.search_claims(q=q), SEARCH_PER_PAGE).get_page(request.GET.get("page"))
        sentences = Paginator(selectors.search_sentences(q=q), SEARCH_PER_PAGE).get_page(request.GET.get("spage"))
        context.update(
            {
                "q": q,
                "claims": claims,
                "sentences": sentences,
                "sentence_rows": [
                    (s, selectors.title_from_head(s.article.title, s.article_head)) for s in sentences.object_list
                ],
            }
        )
    return render(request, "claims/search.html", context)


# --- duplicate groups ----------------------------------------------------------------------

GROUPS_PER_PAGE = 50
GROUP_HISTORY_SHOWN = 100
CANONICAL_INVALID = "Choose one of the group's claims as the canonical wording; reload the page and try again."


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
    return render(
        request,
        "claims/group_detail.html",
        {
            "group": group,
            "rows": rows,
            "figures": group_selectors.group_figures(rows=rows),
            "history": selectors.group_history_rows(
                group=group, decisions=group_selectors.group_history(group=group)[:GROUP_HISTORY_SHOWN]
            ),
            "forms": page_forms,
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


def _with_version(request: HttpRequest, version: int) -> QueryDict:
    """The reviewer's input again, now carrying the current version: sending it once more is a deliberate choice."""
    data = request.POST.copy()
    data["version"] = str(version)
    return data


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@require_POST
@reviewer_required
def group_merge(request: HttpRequest, group_id: int) -> HttpResponse:
    reviewer = _reviewer(request)
    group = _group_or_404(group_id)
    form = GroupMergeForm(request.POST)
    bound = GroupForms(merge=form)
    if not form.is_valid():
        return _group_page(request, group, bound, status=400)
    missing = selectors.groups_missing(group_ids=form.cleaned_data["groups"])
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
        retry = GroupForms(merge=GroupMergeForm(_with_version(request, exc.group.version)))
        return _group_page(request, _group_or_404(group.pk), retry, conflict=str(exc), status=409)
    except ValidationError as exc:
        _add_errors(form, exc)
        return _group_page(request, group, bound, status=400)
    messages.success(request, "Merged: the claims are in this group now, pinned so that recomputes keep them here.")
    return redirect("claims:group-detail", group_id=group.pk)


@require_POST
@reviewer_required
def group_split(request: HttpRequest, group_id: int) -> HttpResponse:
    reviewer = _reviewer(request)
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
        fresh = _group_or_404(group.pk)
        ids = [r.claim.pk for r in group_selectors.group_members(group=fresh)]
        retry = GroupForms(split=GroupSplitForm(_with_version(request, fresh.version), member_ids=ids))
        return _group_page(request, fresh, retry, conflict=str(exc), status=409)
    except ValidationError as exc:
        _add_errors(form, exc)
        return _group_page(request, group, bound, status=400)
    moved = len(form.cleaned_data["claims"])
    messages.success(request, f"Moved {moved} claim(s) out into group {new.pk}.")
    return redirect("claims:group-detail", group_id=group.pk)


@require_POST
@reviewer_required
def group_canonical(request: HttpRequest, group_id: int) -> HttpResponse:
    reviewer = _reviewer(request)
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


@require_http_methods(["GET", "HEAD"])
@viewer_required
def group_list(request: HttpRequest) -> HttpResponse:
    filters = GroupFilterForm(request.GET or None)
    conflicting = bool(filters.is_valid() and filters.cleaned_data["conflicting"]) if filters.is_bound else False
    groups = group_selectors.groups_list(conflicting=True if conflicting else None)
    page = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "claims/group_list.html",
        {"filters": filters, "conflicting": conflicting, "page": page, "rows": selectors.group_rows(page.object_list)},
    )


@require_POST
@reviewer_required
def claim_group(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Start a duplicate group from the claim view (post/redirect/get to the new group)."""
    reviewer = _reviewer(request)
    claim = _claim_or_404(claim_id)
    form = ClaimGroupForm(request.POST)
    page_forms = replace_form(ClaimForms.for_claim(claim, reviewer), "group", form)
    if not form.is_valid():
        return _claim_page(request, claim, status=400, forms=page_forms)
    existing = group_selectors.group_for_claim(claim=claim)
    if existing is not None:
        # Starting a new group would silently pull the claim out of its group: merge there instead.
        form.add_error(None, f"This claim is already in group {existing.pk}; merge claims into that group.")
        return _claim_page(request, claim, status=409, forms=page_forms)
    try:
        group = group_services.group_create(
            claim_ids=[claim.pk, *form.cleaned_data["claims"]], user=reviewer, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        _add_errors(form, exc)
        return _claim_page(request, claim, status=400, forms=page_forms)
    messages.success(request, f"Grouped claim {claim.pk} with {len(form.cleaned_data['claims'])} other claim(s).")
    return redirect("claims:group-detail", group_id=group.pk)
