"""Search over claims and sentences (words and meaning, with filters), and a page per person or organisation."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from claims.forms import SearchForm
from claims.matching import query
from claims.matching.semantic import ModelIntegrityError
from claims.selectors import articles as article_selectors
from claims.selectors import entities as entity_selectors
from claims.selectors import meaning as meaning_selectors
from claims.selectors import search as search_selectors
from claims.views.access import viewer_required

SEARCH_PER_PAGE = 25
ENTITY_CLAIMS_PER_PAGE = 25


@require_http_methods(["GET", "HEAD"])
@viewer_required
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "q": ""}
    if form.is_bound and form.is_valid():
        with search_selectors.without_jit():
            context.update(_results(request, form.cleaned_data["q"], form.filters()))
    return render(request, "claims/search.html", context)


def _close_claims(q: str) -> dict[int, float] | None:
    """Claims close in meaning to ``q``; None when the encoder's weights are missing (words still work)."""
    try:
        return meaning_selectors.close_claims(q)
    except ModelIntegrityError:
        return None


def _results(request: HttpRequest, q: str, filters: search_selectors.SearchFilters) -> dict[str, Any]:
    """Matching claims and sentences, each paged on its own ("page" and "spage"), read here (not in the template)."""
    close = _close_claims(q)
    names = search_selectors.named_keys(q)
    claims = Paginator(
        search_selectors.find_claims(q=q, filters=filters, close=close, names=names), SEARCH_PER_PAGE
    ).get_page(request.GET.get("page"))
    sentence_close = meaning_selectors.close_sentences(close) if close else {}
    sentences = Paginator(
        search_selectors.find_sentences(q=q, filters=filters, close=sentence_close, names=names), SEARCH_PER_PAGE
    ).get_page(request.GET.get("spage"))
    return {
        "q": q,
        "meaning_available": close is not None,
        "filtered": filters != search_selectors.SearchFilters(),
        "claims_only_filters": bool(filters.status or filters.verdict),
        "claims": claims,
        "claim_rows": [(c, _match(c.word_hit, c.meaning)) for c in claims.object_list],
        "sentences": sentences,
        "sentence_rows": [
            (s, article_selectors.title_from_head(s.article.title, s.article_head), _match(s.word_hit, s.meaning))
            for s in sentences.object_list
        ],
    }


def _match(word_hit: bool, cosine: float | None) -> dict[str, Any]:
    """How a result matched, as the page says it: by its words, by meaning (with the cosine), or both."""
    return {"words": word_hit, "cosine": cosine, "meaning": query.closeness(cosine) if cosine is not None else ""}


@require_http_methods(["GET", "HEAD"])
@viewer_required
def entity_detail(request: HttpRequest, key: str) -> HttpResponse:
    """A person or organisation: its spellings, its claims (crediting it or naming it) and the outlets."""
    spellings = entity_selectors.spellings(key)
    if not spellings:
        raise Http404("No claim names this person or organisation.")
    names = [s.name for s in spellings]
    role = request.GET.get("as", entity_selectors.Role.ALL)
    if role not in (entity_selectors.Role.ALL, entity_selectors.Role.CREDITED, entity_selectors.Role.NAMED):
        role = entity_selectors.Role.ALL
    claims = Paginator(
        entity_selectors.entity_claims(key=key, names=names, role=role), ENTITY_CLAIMS_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "claims/entity_detail.html",
        {
            "key": key,
            "name": spellings[0].name,
            "spellings": spellings,
            "role": role,
            "counts": entity_selectors.role_counts(key=key, names=names),
            "claims": claims,
            "outlets": entity_selectors.entity_outlets(key=key, names=names),
        },
    )
