"""Over the API, a report's date says whether it was given or read from the text, and from which words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from tests.api.conftest import API
from tests.claims.selectors.test_corroboration import inferred_outlet_claim
from tests.claims.selectors.test_inferred_dates import FACT, fact_claim, ingest, supported_by

pytestmark = pytest.mark.django_db


def test_each_report_says_where_its_date_comes_from(as_viewer: APIClient) -> None:
    printed = ingest("printed.txt", f"Ministers meet\nPublished May 2, 2013\n{FACT}.")
    given = ingest("given.txt", f"Talks in Doha\n{FACT}, officials said.", datetime(2013, 5, 5, 8, 0, tzinfo=UTC))
    claim = fact_claim(given)
    supported_by(claim, printed)

    response = as_viewer.get(f"{API}/claims/{claim.pk}/")

    assert response.status_code == 200, response.content
    summary = response.json()["corroboration"]
    first = summary["first_appearance"]
    assert (first["article"], first["published_at_source"], first["published_at_evidence"]) == (
        printed.pk,
        "printed",
        "May 2, 2013",
    )
    assert first["published_at"].startswith("2013-05-02")
    sources = {r["article"]: (r["published_at_source"], r["published_at_evidence"]) for r in summary["reports"]}
    assert sources == {printed.pk: ("printed", "May 2, 2013"), given.pk: ("given", "")}


def test_each_report_says_where_its_outlet_comes_from(as_viewer: APIClient, reviewer: User) -> None:
    claim = inferred_outlet_claim(reviewer)

    response = as_viewer.get(f"{API}/claims/{claim.pk}/")

    assert response.status_code == 200, response.content
    reports = response.json()["corroboration"]["reports"]
    assert {(r["outlet"], r["outlet_source"], r["outlet_evidence"]) for r in reports} == {
        ("Gulf Courier", "inferred", "Gulf Courier"),
        ("Doha Herald", "inferred", "Doha Herald"),
    }
