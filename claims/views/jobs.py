"""Jobs: uploading articles (an ingest job), a job's page and its progress bar, and an admin's recompute."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from claims.forms import UploadForm
from claims.jobs import ingest as ingest_jobs
from claims.jobs import match as match_jobs
from claims.models import Job, JobKind, JobState
from claims.roles import can_admin
from claims.selectors import jobs as job_selectors
from claims.views.access import reviewer_of, reviewer_required, viewer_required
from sources import selectors as source_selectors
from sources.services import story_create

JOB_ITEMS_PER_PAGE = 100
ADMINS_ONLY = "Only admins can recompute every link: it re-scores the whole corpus."


@require_http_methods(["GET", "HEAD", "POST"])
@reviewer_required
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_bound and form.is_valid():
        name = form.story_name()
        story = story_create(name=name, slug=slugify(name)) if name else None
        job = ingest_jobs.job_create_ingest(documents=form.documents(), created_by=reviewer_of(request), story=story)
        messages.success(request, f"Queued {job.total} document(s) for ingestion as job {job.pk}.")
        return redirect("claims:job-detail", job_id=job.pk)
    return render(
        request,
        "claims/upload.html",
        {"form": form, "stories": source_selectors.stories_all()},
        status=400 if form.is_bound else 200,
    )


def _job_or_404(job_id: int) -> Job:
    try:
        return job_selectors.job_get(job_id=job_id)
    except Job.DoesNotExist:
        raise Http404("No job with this number.") from None


@require_http_methods(["GET", "HEAD"])
@viewer_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(job_id)
    items = Paginator(job_selectors.job_items_report(job=job), JOB_ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    duration = (job.finished_at - job.started_at).total_seconds() if job.started_at and job.finished_at else None
    return render(
        request,
        "claims/job_detail.html",
        {
            "job": job,
            "followups": job_selectors.job_followups(job=job),
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
    return render(request, "claims/_job_progress.html", {"job": _job_or_404(job_id)})


@require_POST
@login_required
def recompute(request: HttpRequest) -> HttpResponse:
    """An admin re-links every claim and regroups (reviewers' decisions and pinned members are kept)."""
    user = request.user
    if not isinstance(user, User) or not can_admin(user):
        raise PermissionDenied(ADMINS_ONLY)
    running = job_selectors.job_active(kind=JobKind.RECOMPUTE)
    if running is not None:
        messages.info(request, f"A recompute is already under way as job {running.pk}; it was not started twice.")
        return redirect("claims:dashboard")
    job = match_jobs.job_create_recompute(created_by=user)
    messages.success(request, f"Recomputing every link and group as job {job.pk}: {job.total} step(s).")
    return redirect("claims:dashboard")
