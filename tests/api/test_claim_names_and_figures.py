"""Every claim over the API carries who it is credited to, its names under spelling-insensitive keys and its
figures read in time: what they count, the range their qualifier allows, their date and their source."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from claims.models import Claim, Job
from sources.models import Article
from tests.api.conftest import API
from tests.api.helpers import streamed_text
from tests.claims.helpers import seed_claim

pytestmark = pytest.mark.django_db


def listed(client: APIClient, claim: Claim) -> dict[str, Any]:
    """The claim as the claim list shows it."""
    response = client.get(f"{API}/claims/", {"article": claim.article_id, "limit": 200})
    assert response.status_code == 200, response.content
    return next(row for row in response.json()["results"] if row["id"] == claim.pk)


def detail(client: APIClient, claim: Claim) -> dict[str, Any]:
    response = client.get(f"{API}/claims/{claim.pk}/")
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def test_a_name_spelled_two_ways_has_one_key_in_the_list_and_the_detail(as_viewer: APIClient, seed_corpus: Job):
    baqeri = Claim.objects.filter(entity_mentions__name__contains="Baqeri").order_by("id").first()
    bagheri = Claim.objects.filter(entity_mentions__name__contains="Bagheri").order_by("id").first()
    assert baqeri is not None
    assert bagheri is not None

    def keys(row: dict[str, Any], spelling: str) -> set[str]:
        return {e["key"] for e in row["entities"] if spelling in e["name"]}

    assert keys(listed(as_viewer, baqeri), "Baqeri") & keys(listed(as_viewer, bagheri), "Bagheri")
    assert detail(as_viewer, baqeri)["entities"] == listed(as_viewer, baqeri)["entities"]


def test_the_list_credits_the_named_spokesman_with_his_title(as_viewer: APIClient, seed_corpus: Job):
    talks = seed_claim("004", "Talks aimed at releasing captives")

    [credit] = listed(as_viewer, talks)["attribution"]

    assert (credit["source"], credit["role"], credit["kind"]) == (
        "Majed Al Ansari", "Qatari foreign ministry spokesman", "reported_speech",
    )  # fmt: skip


def test_a_figure_according_to_someone_names_its_source_and_its_interval(as_viewer: APIClient, seed_corpus: Job):
    famine = seed_claim("002", "576,000 people")

    [figure] = [f for f in listed(as_viewer, famine)["figures"] if f["value"] == 576000]

    assert figure["qualifier"] == "about"
    assert figure["low"] < 576000 < figure["high"]
    assert (figure["source"], figure["source_role"]) == ("the UN humanitarian affairs chief", "")
    assert figure["as_of"] is None  # the seed articles carry no publication time


def test_dead_and_wounded_counts_read_as_one_key_each_whatever_the_wording(as_viewer: APIClient, seed_corpus: Job):
    death = seed_claim("002", "death of more than 30,000")
    wounded = seed_claim("002", "70,457")

    assert [(f["event"], f["part"]) for f in listed(as_viewer, death)["figures"]] == [("killed", "")]
    assert [(f["event"], f["low"]) for f in listed(as_viewer, wounded)["figures"]] == [("injured", 70457.0)]
    assert [f["source"] for f in listed(as_viewer, wounded)["figures"]] == [None]  # the outlet's own figure


def test_a_figure_a_named_official_gives_is_credited_to_them_on_the_day_published(
    as_viewer: APIClient, seed_corpus: Job
):
    death = seed_claim("002", "death of more than 30,000")
    Article.objects.filter(pk=death.article_id).update(published_at=datetime(2024, 3, 4, 9, tzinfo=UTC))
    credit = {
        "source": "Ashraf al-Qudra",
        "role": "Health Ministry spokesman",
        "verb": "said",
        "kind": "reported_speech",
    }
    Claim.objects.filter(pk=death.pk).update(attribution=[credit])

    [figure] = detail(as_viewer, death)["figures"]

    assert (figure["source"], figure["source_role"], figure["as_of"]) == (
        "Ashraf al-Qudra", "Health Ministry spokesman", "2024-03-04",
    )  # fmt: skip
    assert listed(as_viewer, death)["figures"] == [figure]


def test_the_claim_lists_q_and_the_export_find_every_spelling_of_a_name(as_viewer: APIClient, seed_corpus: Job):
    spelled_baqeri = set(
        Claim.objects.filter(entity_mentions__name__contains="Baqeri", deleted_at__isnull=True).values_list(
            "id", flat=True
        )
    )
    assert spelled_baqeri

    response = as_viewer.get(f"{API}/claims/", {"q": "bagheri kani", "limit": "200"})
    exported = as_viewer.get(f"{API}/export/claims.jsonl", {"q": "bagheri kani"})

    assert response.status_code == 200
    assert spelled_baqeri <= {row["id"] for row in response.json()["results"]}
    assert spelled_baqeri <= {json.loads(line)["id"] for line in streamed_text(exported).splitlines()}
