"""A reviewer's wording brings its own figures, dates and names: a split-off toll counts its dead."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from claims.models import ClaimEntity, Job
from claims.services import edits as edit_services
from tests.claims.helpers import seed_claim

pytestmark = pytest.mark.django_db
TOLL = "37,945 Palestinians"


def test_a_split_part_reads_the_figures_of_its_own_words(reviewer: User, seed_corpus: Job) -> None:
    toll = seed_claim("001", TOLL)

    killed, displaced = edit_services.claim_split(
        claim_id=toll.pk,
        texts=["At least 37,945 Palestinians have been killed in the Gaza Strip", "Most of Gaza was displaced"],
        user=reviewer,
    )

    assert [(q["value"], q["qualifier"], q["event"]) for q in killed.quantities] == [(37945.0, "at least", "killed")]
    assert displaced.quantities == []


def test_a_split_part_keeps_the_names_it_still_mentions(reviewer: User, seed_corpus: Job) -> None:
    toll = seed_claim("001", TOLL)
    names = {str(e["name"]) for e in toll.entities}
    assert "Gaza Strip" in names

    gaza, other = edit_services.claim_split(
        claim_id=toll.pk,
        texts=["At least 37,945 Palestinians have been killed in the Gaza Strip", "Many more are missing"],
        user=reviewer,
    )

    assert "Gaza Strip" in {e["name"] for e in gaza.entities}
    assert other.entities == []
    assert set(ClaimEntity.objects.filter(claim=gaza).values_list("name", flat=True)) == {
        e["name"] for e in gaza.entities
    }


def test_a_reworded_figure_replaces_the_old_one(reviewer: User, seed_corpus: Job) -> None:
    toll = seed_claim("001", TOLL)

    edited = edit_services.claim_edit(
        claim_id=toll.pk, text="Nearly 40,000 Palestinians have been killed in the Gaza Strip", user=reviewer
    )

    assert [(q["value"], q["qualifier"]) for q in edited.quantities] == [(40000.0, "nearly")]


def test_an_added_claim_reads_its_figures_and_the_names_of_its_sentence(reviewer: User, seed_corpus: Job) -> None:
    toll = seed_claim("001", TOLL)
    sentence = toll.spans.order_by("id").first()
    assert sentence is not None

    added = edit_services.claim_add(
        sentence_id=sentence.sentence_id, text="More than 85,523 people were injured in the Gaza Strip", user=reviewer
    )

    assert [(q["value"], q["event"]) for q in added.quantities] == [(85523.0, "injured")]
    assert "Gaza Strip" in {e["name"] for e in added.entities}
