"""REST API v1 search: claims and sentences by their words, figures, names in any spelling and meaning.

Thin over the search page's selectors (claims.selectors.search and .meaning): the same query, filters,
ranking and match kinds, paged by number (a page of a ranked list; its count is of every match).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from claims.api.common import READ_ERRORS, validated
from claims.api.search_serializers import (
    MAX_SEARCH_PAGE_SIZE,
    ClaimSearchQuerySerializer,
    ClaimSearchResultSerializer,
    SearchPagingQuerySerializer,
    SentenceSearchQuerySerializer,
    SentenceSearchResultSerializer,
)
from claims.matching.semantic import ModelIntegrityError
from claims.models import Claim
from claims.selectors import meaning as meaning_selectors
from claims.selectors import search as search_selectors
from sources.models import Sentence

SEARCH_PAGE_SIZE = 25  # as the search page


class SearchPagination(PageNumberPagination):
    page_size = SEARCH_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_SEARCH_PAGE_SIZE


_DESCRIPTION = (
    "Every word of `q` in any order (each at the start of a word of the text), every figure however grouped "
    "(`40000` finds 40,000), and names in any spelling (`bagheri kani` finds Ali Baqeri Kani), as the search "
    "page finds them; plus what is close in meaning (cosine 0.45 or more to the query's embedding, read "
    "through the semantic band buckets). Best first: the cosine, plus 0.6 for having the words; then "
    "newest. Each result's `match` says how it was found. When the encoder's weights are missing, meaning "
    "is left out and words still work. An unknown query parameter is a 400 naming it."
)


def _close_claims(q: str) -> dict[int, float] | None:
    """Claims close in meaning to ``q``; None when the encoder's weights are missing (words still work)."""
    try:
        return meaning_selectors.close_claims(q)
    except ModelIntegrityError:
        return None


class _SearchView(ListAPIView[Any]):
    pagination_class = SearchPagination
    filter_backends: list[Any] = []

    def _query(self, request: Request, serializer_class: type[SentenceSearchQuerySerializer]) -> Any:
        validated(SearchPagingQuerySerializer(data=request.query_params))
        query = serializer_class(data=request.query_params)
        validated(query)
        return query

    def _page(self, ranked: search_selectors.Ranked[Any]) -> Response:
        page = self.paginate_queryset(ranked)  # type: ignore[arg-type]  # a Ranked pages as a queryset does
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(
    summary="Search claims: words in any order, figures, names in any spelling, meaning",
    description=_DESCRIPTION + " Deleted claims are never found.",
    parameters=[ClaimSearchQuerySerializer],
    responses={200: ClaimSearchResultSerializer(many=True), **READ_ERRORS},
)
class ClaimSearchView(_SearchView):
    serializer_class = ClaimSearchResultSerializer
    queryset = Claim.objects.none()  # what the schema reads the model from; the selector finds the rows

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self._query(request, ClaimSearchQuerySerializer)
        q = query.validated_data["q"]
        with search_selectors.without_jit():
            ranked = search_selectors.find_claims(q=q, filters=query.filters(), close=_close_claims(q))
            return self._page(ranked)


@extend_schema(
    summary="Search sentences: words in any order, figures, names in any spelling, meaning",
    description=_DESCRIPTION + " A sentence's closeness in meaning is that of its closest claim.",
    parameters=[SentenceSearchQuerySerializer],
    responses={200: SentenceSearchResultSerializer(many=True), **READ_ERRORS},
)
class SentenceSearchView(_SearchView):
    serializer_class = SentenceSearchResultSerializer
    queryset = Sentence.objects.none()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self._query(request, SentenceSearchQuerySerializer)
        q = query.validated_data["q"]
        with search_selectors.without_jit():
            close = _close_claims(q)
            sentence_close = meaning_selectors.close_sentences(close) if close else {}
            ranked = search_selectors.find_sentences(q=q, filters=query.filters(), close=sentence_close)
            return self._page(ranked)
