"""The OpenAPI schema validates, covers every endpoint, and the docs pages work under the CSP."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.api.conftest import API

EXPECTED_OPERATIONS = {
    ("/api/v1/articles/", "get"),
    ("/api/v1/articles/{id}/", "get"),
    ("/api/v1/sentences/", "get"),
    ("/api/v1/sentences/{id}/", "get"),
    ("/api/v1/claims/", "get"),
    ("/api/v1/claims/{id}/", "get"),
    ("/api/v1/reviews/", "get"),
    ("/api/v1/reviews/", "post"),
    ("/api/v1/reviews/{id}/", "get"),
    ("/api/v1/ratings/", "get"),
    ("/api/v1/jobs/", "get"),
    ("/api/v1/jobs/{id}/", "get"),
    ("/api/v1/jobs/recompute/", "post"),
    ("/api/v1/ingest/", "post"),
    ("/api/v1/articles/", "post"),
    ("/api/v1/articles/batch/", "post"),
    ("/api/v1/claims/{id}/claimreview/", "get"),
    ("/api/v1/claims/{id}/annotations/", "get"),
    ("/api/v1/evidence/", "get"),
    ("/api/v1/evidence/", "post"),
    ("/api/v1/evidence/{id}/", "get"),
    ("/api/v1/evidence/{id}/decision/", "post"),
    ("/api/v1/evidence/decisions/", "post"),
    ("/api/v1/export/claims.jsonl", "get"),
    ("/api/v1/export/claims.csv", "get"),
    ("/api/v1/webhooks/", "get"),
    ("/api/v1/webhooks/", "post"),
    ("/api/v1/webhooks/{id}/", "get"),
    ("/api/v1/webhooks/{id}/", "delete"),
    ("/api/v1/webhooks/{id}/deliveries/", "get"),
    ("/api/v1/auth/token/", "post"),
    ("/api/v1/auth/token/", "delete"),
    ("/api/v1/groups/", "get"),
    ("/api/v1/groups/", "post"),
    ("/api/v1/groups/{id}/", "get"),
    ("/api/v1/groups/{id}/merge/", "post"),
    ("/api/v1/groups/{id}/split/", "post"),
    ("/api/v1/groups/{id}/canonical/", "post"),
    ("/api/v1/search/", "get"),
    ("/api/v1/search/sentences/", "get"),
    ("/api/v1/claims/{id}/comments/", "get"),
    ("/api/v1/claims/{id}/comments/", "post"),
    ("/api/v1/claims/{id}/checklist/", "get"),
    ("/api/v1/claims/{id}/checklist/", "post"),
    ("/api/v1/claims/{id}/assignee/", "post"),
}


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    # --fail-on-warn turns any drf-spectacular warning (an unresolvable field, an enum
    # name collision, a view it cannot introspect) into an error; --validate checks the
    # result against the OpenAPI 3 JSON schema.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path), stdout=StringIO())
    return path


def test_the_openapi_schema_validates_without_warnings(schema_file: Path):
    schema = yaml.safe_load(schema_file.read_text())
    assert schema["openapi"].startswith("3.")
    operations = {(p, m) for p, item in schema["paths"].items() for m in item}
    assert operations == EXPECTED_OPERATIONS


def test_the_schema_documents_auth_errors_and_read_only_server_fields(schema_file: Path):
    schema = yaml.safe_load(schema_file.read_text())
    components = schema["components"]
    assert set(components["securitySchemes"]) == {"knoxApiToken", "cookieAuth"}
    create = schema["paths"]["/api/v1/reviews/"]["post"]
    assert {"201", "400", "401", "403", "412"} <= set(create["responses"])
    assert create["responses"]["412"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
    assert [p["name"] for p in create["parameters"] if p["in"] == "header"] == ["If-Match"]
    # The request body of a review omits what the server sets.
    assert set(components["schemas"]["ReviewRequest"]["properties"]) == {"claim", "rating", "verdict", "rationale"}
    assert components["schemas"]["Review"]["properties"]["reviewer"]["readOnly"] is True
    ingest = schema["paths"]["/api/v1/ingest/"]["post"]
    assert "202" in ingest["responses"]
    assert components["schemas"]["IngestRequest"]["properties"]["documents"]["maxItems"] == 100
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert "401" in operation["responses"], (path, method)


def test_the_schema_endpoint_serves_it(anonymous: APIClient, db: None):
    response = anonymous.get(f"{API}/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert set(response.json()["paths"]) >= {p for p, _ in EXPECTED_OPERATIONS}


def _scripts(html: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>.*?</script>", html, flags=re.S)


def test_swagger_ui_runs_from_local_files_without_inline_script(anonymous: APIClient, db: None):
    response = anonymous.get(f"{API}/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    scripts = _scripts(html)
    assert len(scripts) == 3
    for tag in scripts:
        src = re.search(r'src="([^"]+)"', tag)
        assert src is not None, f"inline script would be blocked by the CSP: {tag[:80]}"
        assert src.group(1).startswith("/"), src.group(1)  # same origin, no CDN
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css")
    assert not re.search(r'(href|src)="(https?:)?//', html), "the docs load nothing from another origin"

    init = anonymous.get(f"{API}/docs/?script=")
    assert init.status_code == 200
    assert init["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in init.content.decode()
    assert "/api/v1/schema/" in init.content.decode()


def test_redoc_runs_from_local_files_and_only_its_page_relaxes_the_csp(anonymous: APIClient, db: None):
    response = anonymous.get(f"{API}/redoc/")
    assert response.status_code == 200
    directives = dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
    # Redoc cannot render without inline styles, and searches in a blob: worker ...
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["worker-src"] == "blob:"
    # ... but its scripts are still only our own files.
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in anonymous.get(f"{API}/docs/")["Content-Security-Policy"]
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in html
    assert finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")
    for tag in _scripts(html):
        assert re.search(r'src="/', tag), f"inline script would be blocked by the CSP: {tag[:80]}"
    assert not re.search(r'(href|src)="(https?:)?//', html), "the docs load nothing from another origin"


def test_the_schema_documents_idempotency_preconditions_and_throttling(schema_file: Path):
    paths = yaml.safe_load(schema_file.read_text())["paths"]
    for path in ("/api/v1/articles/", "/api/v1/articles/batch/"):
        create = paths[path]["post"]
        assert [p["name"] for p in create["parameters"] if p["in"] == "header"] == ["Idempotency-Key"]
        assert {"202", "400", "422", "429"} <= set(create["responses"])
    review = paths["/api/v1/reviews/"]["post"]
    (if_match,) = [p for p in review["parameters"] if p["name"] == "If-Match"]
    assert if_match["required"] is True
    assert {"412", "428", "429"} <= set(review["responses"])
    assert "text/csv" in paths["/api/v1/export/claims.csv"]["get"]["responses"]["200"]["content"]
    assert "application/ld+json" in paths["/api/v1/claims/{id}/claimreview/"]["get"]["responses"]["200"]["content"]
    for verb in ("merge", "split", "canonical"):
        write = paths[f"/api/v1/groups/{{id}}/{verb}/"]["post"]
        (if_match,) = [p for p in write["parameters"] if p["name"] == "If-Match"]
        assert if_match["required"] is True
        assert {"400", "403", "404", "412", "428", "429"} <= set(write["responses"])
    assert "201" in paths["/api/v1/groups/{id}/split/"]["post"]["responses"]


def test_large_lists_document_cursor_pagination(schema_file: Path):
    paths = yaml.safe_load(schema_file.read_text())["paths"]
    for path in ("claims", "sentences", "evidence", "reviews", "groups"):
        names = {p["name"] for p in paths[f"/api/v1/{path}/"]["get"]["parameters"]}
        assert {"cursor", "page_size"} <= names
        assert "page" not in names
    claims = {p["name"]: p for p in paths["/api/v1/claims/"]["get"]["parameters"]}
    assert claims["has_conflicting_figures"]["schema"]["type"] == "boolean"
