"""Search finds a name in every spelling the articles use, and plain words as before."""

from __future__ import annotations

import pytest

from claims.models import Claim, Job
from claims.selectors.search import search_claims, search_sentences
from sources.models import Sentence

pytestmark = pytest.mark.django_db


def test_bagheri_kani_finds_the_claims_that_spell_him_baqeri(seed_corpus: Job) -> None:
    # Claims whose parse named him (the key is spelling-insensitive); the seed story spells him both ways.
    baqeri = Claim.objects.filter(text__contains="Baqeri", entity_mentions__name__contains="Baqeri").distinct()
    assert baqeri.exists()

    found = set(search_claims(q="bagheri kani"))

    assert set(baqeri) <= found
    assert any("Bagheri" in c.text for c in found)


def test_amirabdollahian_finds_amir_abdollahian_in_claims_and_sentences(seed_corpus: Job) -> None:
    spaced = Sentence.objects.filter(text__contains="Amir Abdollahian")
    assert spaced.exists()

    claims = search_claims(q="Amirabdollahian")
    sentences = set(search_sentences(q="Amirabdollahian"))

    assert any("Amir Abdollahian" in c.text for c in claims)
    assert any("Amir Abdollahian" in s.text for s in sentences)


def test_a_short_or_nameless_query_is_plain_word_search(seed_corpus: Job) -> None:
    assert set(search_claims(q="Doha")) == set(Claim.objects.filter(deleted_at__isnull=True, text__icontains="Doha"))
    assert not search_claims(q="zzzz-no-such-name").exists()


def test_a_fragment_inside_a_name_finds_nothing_but_its_start_or_end_does(seed_corpus: Job) -> None:
    named = {c.pk for c in search_claims(q="Ali Bagheri")}

    assert named & {c.pk for c in search_claims(q="bagheri kani")}
    assert not {c.pk for c in search_claims(q="agheri ka")} - {
        c.pk for c in Claim.objects.filter(text__icontains="agheri ka")
    }


def test_a_name_with_other_words_finds_the_claims_naming_him_that_say_those_words(seed_corpus: Job) -> None:
    condemned = Claim.objects.get(text__startswith="Baqeri condemned")

    found = set(search_claims(q="bagheri kani condemned"))

    assert condemned in found
    assert all("condemned" in c.text.lower() for c in found)
    assert not search_claims(q="bagheri kani zzzz").exists()


def test_a_sentence_is_found_by_a_name_in_another_spelling_beside_its_words(seed_corpus: Job) -> None:
    found = {s.text for s in search_sentences(q="bagheri kani condemned")}

    assert any(text.startswith("Baqeri condemned") for text in found)
