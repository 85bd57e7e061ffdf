"""Reviewer web interface: thin views over selectors (reads) and services (writes).

Every page needs a role (see claims.roles): viewers read, reviewers also post
verdicts, evidence decisions and uploads. The server enforces this; templates
only hide what a user may not use.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from claims import selectors, services
from claims.forms import ArticleFilterForm, EvidenceDecisionForm, UploadForm, VerdictForm
from claims.models import Claim, ClaimStatus, Evidence, Job, JobState
from claims.roles import AnyUser, can_review, can_view
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


@require_http_methods(["GET", "HEAD"])
@viewer_required
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    try:
        article = source_selectors.article_get(article_id=article_id)
    except Article.DoesNotExist:
        raise Http404("No article with this number.") from None
    paragraphs = selectors.article_reader(article=article)
    claims = selectors.reader_claims(paragraphs)
    return render(
        request,
        "claims/article_detail.html",
        {
            "article": article,
            "paragraphs": paragraphs,
            "counts": selectors.claim_status_counts(claims),
            "reviewed": [c for c in claims if c.status != ClaimStatus.UNREVIEWED],
        },
    )


def _claim_or_404(claim_id: int) -> Claim:
    try:
        return selectors.claim_get(claim_id=claim_id)
    except Claim.DoesNotExist:
        raise Http404("No claim with this number.") from None


def _claim_page(
    request: HttpRequest, claim: Claim, form: VerdictForm | None = None, conflict: str = "", status: int = 200
) -> HttpResponse:
    if form is None and can_review(request.user) and claim.deleted_at is None:
        form = VerdictForm(initial={"version": claim.version})
    return render(
        request,
        "claims/claim_detail.html",
        {
            "claim": claim,
            "article": claim.article,
            "spans": selectors.claim_spans_in_context(claim=claim),
            "evidence": selectors.claim_evidence(claim=claim),
            "history": selectors.claim_history(claim=claim),
            "form": form,
            "conflict": conflict,
        },
        status=status,
    )


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
    return redirect("claims:claim-detail", claim_id=claim.pk)


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
    return redirect(reverse("claims:claim-detail", kwargs={"claim_id": evidence.claim_id}) + f"#evidence-{evidence.pk}")


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
        },
    )
