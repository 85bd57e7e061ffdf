"""The article list, the article reader, and a reviewer adding a claim on one of its sentences."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from claims.filters import ArticleListFilter
from claims.forms import ClaimAddForm
from claims.jobs import match as match_jobs
from claims.models import ClaimStatus
from claims.roles import can_review
from claims.selectors import articles as article_selectors
from claims.selectors import jobs as job_selectors
from claims.services import edits as edit_services
from claims.views.access import add_form_errors, reviewer_of, reviewer_required, viewer_required
from sources import selectors as source_selectors
from sources.models import Article

ARTICLES_PER_PAGE = 50


@require_http_methods(["GET", "HEAD"])
@viewer_required
def article_list(request: HttpRequest) -> HttpResponse:
    filters = ArticleListFilter(request.GET or None, queryset=article_selectors.articles_with_claim_counts())
    # A filter value that does not validate is shown with its error over every article, not half applied.
    valid = filters.is_valid()
    articles = filters.qs if valid else filters.queryset
    chosen = filters.form.cleaned_data if valid else {}
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "claims/article_list.html",
        {
            "filters": filters.form,
            "story": chosen.get("story"),
            "outlet": chosen.get("outlet"),
            "page": page,
            "rows": article_selectors.article_rows(page.object_list),
            "jobs": job_selectors.jobs_recent(),
        },
    )


def _article_or_404(article_id: int) -> Article:
    try:
        return source_selectors.article_get(article_id=article_id)
    except Article.DoesNotExist:
        raise Http404("No article with this number.") from None


def reader_page(
    request: HttpRequest,
    article: Article,
    add_form: ClaimAddForm | None = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
    selection: Sequence[tuple[int, int]] = (),
) -> HttpResponse:
    """The article reader; ``extra`` adds to its context (the link-as-evidence form of views.hand_links),
    whose passage ``selection`` highlights (body offsets, one span per sentence)."""
    paragraphs = article_selectors.article_reader(article=article, selection=selection)
    markers = article_selectors.reader_claims(paragraphs)
    adding = None
    if can_review(request.user):
        posted = add_form.data.get("position") if add_form is not None else None
        position = str(posted or request.GET.get("add") or "")
        adding = article_selectors.reader_sentence(paragraphs, int(position)) if position.isdigit() else None
        if adding is not None and add_form is None:
            add_form = ClaimAddForm(initial={"sentence": adding.sentence.pk, "text": adding.sentence.text})
    return render(
        request,
        "claims/article_detail.html",
        {
            "article": article,
            "paragraphs": paragraphs,
            "counts": article_selectors.claim_status_counts(markers),
            "reviewed": [m.claim for m in markers if m.claim.status != ClaimStatus.UNREVIEWED],
            "adding": adding,
            "add_form": add_form if adding is not None else None,
            **(extra or {}),
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
@viewer_required
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    return reader_page(request, _article_or_404(article_id))


@require_POST
@reviewer_required
def claim_add(request: HttpRequest, article_id: int) -> HttpResponse:
    """A reviewer's own claim on one sentence of the article (post/redirect/get to the new claim)."""
    reviewer = reviewer_of(request)
    article = _article_or_404(article_id)
    form = ClaimAddForm(request.POST)
    if not form.is_valid():
        return reader_page(request, article, form, status=400)
    sentence = article.sentences.filter(pk=form.cleaned_data["sentence"]).first()
    if sentence is None:
        return HttpResponseBadRequest("That sentence is not part of this article.")
    try:
        with transaction.atomic():
            claim = edit_services.claim_add(sentence_id=sentence.pk, text=form.cleaned_data["text"], user=reviewer)
            # Matched like a new claim, queued with it.
            match_jobs.job_create_match_for_claims(claim_ids=[claim.pk], created_by=reviewer)
    except ValidationError as exc:
        add_form_errors(form, exc)
        return reader_page(request, article, form, status=400)
    messages.success(request, f"Added claim {claim.pk} on sentence {sentence.position + 1}.")
    return redirect("claims:claim-detail", claim_id=claim.pk)
