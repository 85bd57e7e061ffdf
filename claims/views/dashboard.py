"""The dashboard (stories, jobs, the upload form) and search over claims and sentences."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from claims.forms import SearchForm, UploadForm
from claims.roles import can_review
from claims.selectors import articles as article_selectors
from claims.selectors import dashboard as dashboard_selectors
from claims.selectors import jobs as job_selectors
from claims.selectors import search as search_selectors
from claims.views.access import viewer_required

SEARCH_PER_PAGE = 25


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


@require_http_methods(["GET", "HEAD"])
@viewer_required
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "q": ""}
    if form.is_bound and form.is_valid():
        context.update(_results(request, form.cleaned_data["q"]))
    return render(request, "claims/search.html", context)


def _results(request: HttpRequest, q: str) -> dict[str, Any]:
    """Matching claims and sentences, each paged on its own ("page" and "spage")."""
    claims = Paginator(search_selectors.search_claims(q=q), SEARCH_PER_PAGE).get_page(request.GET.get("page"))
    sentences = Paginator(search_selectors.search_sentences(q=q), SEARCH_PER_PAGE).get_page(request.GET.get("spage"))
    return {
        "q": q,
        "claims": claims,
        "sentences": sentences,
        "sentence_rows": [
            (s, article_selectors.title_from_head(s.article.title, s.article_head)) for s in sentences.object_list
        ],
    }
