"""Bounded pagination. Large lists (claims, sentences, evidence, reviews, groups) use cursors:
a page costs the same however deep it is, and rows added meanwhile never shift a page
(no skipped or repeated rows while a client walks the list), with no COUNT over the table.
Small lists (articles, jobs, webhooks, deliveries) keep page numbers and a count."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination, PageNumberPagination

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class BoundedPageNumberPagination(PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class IdCursorPagination(CursorPagination):
    """Oldest first, by id (ids grow with insertion, so an article's rows stay together)."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "id"


class NewestFirstCursorPagination(IdCursorPagination):
    ordering = "-id"
