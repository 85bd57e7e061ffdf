"""Standard exports: schema.org ClaimReview, W3C Web Annotations, and streamed bulk claims.

The ClaimReview and annotations are served by ClaimViewSet (claims.api.claims) as actions of a
claim; the bulk export views, whose only work is to stream these rows, are at the end.

The ClaimReview itself is built by claims.selectors.claim_review (the claim page shows the same
document and says when it cannot be published).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from claims import filters
from claims.api import querysets
from claims.api.common import errors
from claims.extraction import figures
from claims.models import Claim, Evidence
from claims.selectors import claim_review as claim_review_selectors
from claims.selectors.hand_links import w3c_selectors
from sources.models import Article

ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
EXPORT_CHUNK = 500
# Each exported field and the column it is read from, in the export's order.
EXPORT_COLUMNS = {
    "id": "id",
    "text": "text",
    "status": "status",
    "version": "version",
    "article": "article_id",
    "article_title": "article__title",
    "article_url": "article__url",
    "outlet": "article__outlet__name",
    "published_at": "article__published_at",
    "created_at": "created_at",
}
# Read from the claim's stored reading (no query of their own), flattened to text so CSV and JSONL agree.
READING_COLUMNS = ("attribution", "entities", "quantities")
READING_FIELDS = ["credited", "credited_role", "names", "name_keys", "figures"]
EXPORT_FIELDS = [*EXPORT_COLUMNS, *READING_FIELDS]
_EXPORT_TIMES = {"published_at", "created_at"}


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _article_url(article: Article, request: Request) -> str:
    return article.url or reverse("api:article-detail", args=[article.pk], request=request)


def claim_review(claim: Claim) -> dict[str, Any]:
    publication = claim_review_selectors.claim_publication(claim)
    if publication is None:
        raise NotFound("This claim has no verdict yet, so there is no ClaimReview.", code="not_reviewed")
    return publication.document


def web_annotations(claim: Claim, request: Request) -> dict[str, Any]:
    """Each live evidence link of the claim (not withdrawn by a recompute) as a Web Annotation on its exact span."""
    rows = (
        Evidence.objects.filter(claim=claim, withdrawn_at__isnull=True)
        .select_related("sentence__article")
        .order_by("id")
    )
    items = []
    claim_url = reverse("api:claim-detail", args=[claim.pk], request=request)
    for evidence in rows:
        article = evidence.sentence.article
        body = article.body
        start, end = evidence.start, evidence.end
        items.append(
            {
                "id": reverse("api:evidence-detail", args=[evidence.pk], request=request),
                "type": "Annotation",
                "motivation": "linking",
                "created": _iso(evidence.created_at),
                "body": [
                    {"id": claim_url, "type": "SpecificResource", "purpose": "linking"},
                    {"type": "TextualBody", "value": claim.text, "format": "text/plain", "purpose": "describing"},
                    {"type": "TextualBody", "value": evidence.stance, "purpose": "classifying"},
                    {"type": "TextualBody", "value": evidence.decision, "purpose": "assessing"},
                ],
                "target": {
                    "source": _article_url(article, request),
                    # The same selectors a link made by hand stores (details["selector"]).
                    "selector": w3c_selectors(body, start, end),
                },
            }
        )
    return {
        "@context": ANNOTATION_CONTEXT,
        "id": reverse("api:claim-annotations", args=[claim.pk], request=request),
        "type": "AnnotationPage",
        "items": items,
    }


# --- bulk export ----------------------------------------------------------------------------


def export_rows(request: Request, queryset: QuerySet[Claim]) -> Iterator[dict[str, Any]]:
    """Validates the filters now (a bad one is a 400 before streaming starts); rows come lazily."""
    filterset = filters.ClaimFilter(request.query_params, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return _rows(filterset.qs)


def _reading(row: dict[str, Any]) -> dict[str, Any]:
    """Who the claim credits, the names it mentions with their spelling-insensitive keys, and its figures
    with what each counts ("at least 8,005 (killed)"), each list joined by "; "."""
    credit = figures.credited(row["attribution"] if isinstance(row["attribution"], list) else [])
    entities = {str(e.get("key")): str(e.get("name")) for e in row["entities"] or [] if isinstance(e, dict)}
    counted = [
        f"{q.get('text')} ({q.get('event')})" if q.get("event") else str(q.get("text"))
        for q in row["quantities"] or []
        if isinstance(q, dict)
    ]
    return {
        "credited": credit.source if credit else None,
        "credited_role": credit.role if credit else "",
        "names": "; ".join(entities.values()),
        "name_keys": "; ".join(entities),
        "figures": "; ".join(counted),
    }


def _rows(queryset: QuerySet[Claim]) -> Iterator[dict[str, Any]]:
    rows = queryset.order_by("id").values(*EXPORT_COLUMNS.values(), *READING_COLUMNS)
    for row in rows.iterator(chunk_size=EXPORT_CHUNK):
        yield {
            **{
                field: _iso(row[column]) if field in _EXPORT_TIMES else row[column]
                for field, column in EXPORT_COLUMNS.items()
            },
            **_reading(row),
        }


class _Echo:
    def write(self, value: str) -> str:
        return value


def jsonl_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n"


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP):
# "=HYPERLINK(...)" in a quoted claim would become a live link in a fact-checker's sheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text that a spreadsheet would read as a formula gets a leading
    apostrophe, which spreadsheets show as plain text. Numbers (-3.5) are left as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_FIELDS)
    for row in rows:
        yield writer.writerow([csv_cell(row[f]) for f in EXPORT_FIELDS])


def streamed(lines: Iterator[str], content_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- bulk export views ------------------------------------------------------------------------


class IgnoreAccept(BaseContentNegotiation):
    """The export's format is in its path; errors are JSON whatever Accept says."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> Any:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> Any:
        renderer = next(iter(renderers))
        return (renderer, renderer.media_type)


EXPORT_FILTERS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=["unreviewed", "corroborated", "contested", "unproven"]),
    OpenApiParameter("story", OpenApiTypes.STR, description="Slug of a story the article is in"),
    OpenApiParameter("article", OpenApiTypes.INT, description="Article id"),
    OpenApiParameter("outlet", OpenApiTypes.INT, description="Outlet id of the claim's article"),
    OpenApiParameter(
        "q", OpenApiTypes.STR, description="Text the claim contains, or a name it mentions in any spelling"
    ),
    OpenApiParameter("published_after", OpenApiTypes.DATETIME, description="Article published at or after"),
    OpenApiParameter("published_before", OpenApiTypes.DATETIME, description="Article published strictly before"),
    OpenApiParameter(
        "has_conflicting_figures", OpenApiTypes.BOOL, description="Linked to a report giving a different figure"
    ),
]


class _ExportView(APIView):
    content_negotiation_class = IgnoreAccept
    media_type = ""
    extension = ""

    def get(self, request: Request) -> StreamingHttpResponse:
        rows = export_rows(request, querysets.claims_by_article())
        lines = jsonl_lines(rows) if self.extension == "jsonl" else csv_lines(rows)
        return streamed(lines, self.media_type, f"claims.{self.extension}")


class ExportClaimsJSONLView(_ExportView):
    media_type = "application/x-ndjson"
    extension = "jsonl"

    @extend_schema(
        summary="All claims matching the filters, one JSON object per line (streamed)",
        parameters=EXPORT_FILTERS,
        responses={
            (200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.STR, description="JSON Lines"),
            **errors(400, 401, 403),
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        return super().get(request)


class ExportClaimsCSVView(_ExportView):
    media_type = "text/csv; charset=utf-8"
    extension = "csv"

    @extend_schema(
        summary="All claims matching the filters as CSV with a header row (streamed)",
        parameters=EXPORT_FILTERS,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV"), **errors(400, 401, 403)},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        return super().get(request)
