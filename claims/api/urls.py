"""REST API v1 routes, mounted at /api/v1/ (URL names are namespaced ``api:``)."""

from csp.decorators import csp_update
from django.urls import URLPattern, URLResolver, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from claims.api import (
    articles,
    claims,
    common,
    desk,
    evidence,
    exports,
    groups,
    ingest,
    jobs,
    ratings,
    reviews,
    search,
    tokens,
    webhooks,
)

app_name = "api"

REDOC_CSP = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})

router = SimpleRouter()
router.register("articles", articles.ArticleViewSet, basename="article")
router.register("sentences", articles.SentenceViewSet, basename="sentence")
router.register("claims", claims.ClaimViewSet, basename="claim")
router.register("reviews", reviews.ReviewViewSet, basename="review")
router.register("ratings", ratings.RatingViewSet, basename="rating")
router.register("jobs", jobs.JobViewSet, basename="job")
router.register("evidence", evidence.EvidenceViewSet, basename="evidence")
router.register("groups", groups.GroupViewSet, basename="group")
router.register("webhooks", webhooks.WebhookViewSet, basename="webhook")

urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("claims/<int:id>/comments/", desk.ClaimCommentsView.as_view(), name="claim-comments"),
    path("claims/<int:id>/checklist/", desk.ClaimChecklistView.as_view(), name="claim-checklist"),
    path("claims/<int:id>/assignee/", desk.ClaimAssigneeView.as_view(), name="claim-assignee"),
    path("search/", search.ClaimSearchView.as_view(), name="search-claims"),
    path("search/sentences/", search.SentenceSearchView.as_view(), name="search-sentences"),
    path("ingest/", ingest.IngestView.as_view(), name="ingest"),
    path("export/claims.jsonl", exports.ExportClaimsJSONLView.as_view(), name="export-claims-jsonl"),
    path("export/claims.csv", exports.ExportClaimsCSVView.as_view(), name="export-claims-csv"),
    path("auth/token/", tokens.TokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up code as a script file, not an inline
    # <script>, so it runs under the site's CSP (script-src 'self').
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="swagger-ui"),
    # Redoc styles itself by inserting <style> elements (styled-components) and fails to
    # render at all under style-src 'self', and its search runs in a blob: worker. This
    # page alone also allows inline styles and blob: workers: it shows only the schema,
    # no user content, and page scripts stay limited to 'self'.
    path("redoc/", REDOC_CSP(SpectacularRedocView.as_view(url_name="api:schema")), name="redoc"),
    # Last: any other path under /api/v1/ is a JSON 404, not the HTML error page.
    re_path(r"^.*$", common.NotFoundView.as_view(), name="not-found"),
]
