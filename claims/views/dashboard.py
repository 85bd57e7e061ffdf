"""The dashboard: stories, jobs and the upload form."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from claims.forms import UploadForm
from claims.roles import can_review
from claims.selectors import dashboard as dashboard_selectors
from claims.selectors import jobs as job_selectors
from claims.views.access import viewer_required


@require_http_methods(["GET", "HEAD"])
@viewer_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "claims/dashboard.html",
        {
            "stories": dashboard_selectors.dashboard_stories(),
            "active_jobs": job_selectors.jobs_active(),
            "finished_jobs": job_selectors.jobs_finished(),
            "upload_form": UploadForm() if can_review(request.user) else None,
        },
    )
