"""Search finds every word in any order, a figure however written, a name in every spelling, and meaning."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User

from claims.models import Claim, ClaimStatus, Job
from claims.selectors import meaning
from claims.selectors.search import (
    HasVerdict,
    SearchFilters,
    find_claims,
    find_sentences,
    search_claims,
    search_sentences,
)
from claims.services import edits as edit_services
from claims.services import indexing as indexing_services
from claims.services import reviews as review_services
from sources.models import Article, Outlet, Sentence
from tests.claims.helpers import all_claim_ids, seed_claim

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


# --- every word in any order, figures, filters, and meaning (issue 18, "find anything") ---------------


def annotated(row: Claim | Sentence, name: str) -> Any:
    """A value the search annotated the row with (word_hit, meaning, score)."""
    return row.__dict__[name]


@pytest.fixture
def indexed_corpus(seed_corpus: Job) -> Job:
    """The seed story with every claim embedded and in the semantic buckets, as the match job leaves it."""
    indexing_services.claims_index(claim_ids=all_claim_ids())
    return seed_corpus


def test_the_words_of_a_query_are_found_in_any_order_and_not_as_a_phrase(seed_corpus: Job) -> None:
    hamas = seed_claim("000", "Hamas refused to send a delegation")

    assert hamas in search_claims(q="refused delegation")
    assert hamas in search_claims(q="delegation Hamas refused")
    assert hamas not in search_claims(q="refused delegation zzzz")  # every word, not any


def test_a_figure_is_found_however_its_thousands_are_written_but_not_a_different_figure(seed_corpus: Job) -> None:
    with_40000 = set(Claim.objects.filter(deleted_at__isnull=True, text__contains="40,000"))
    assert with_40000

    assert set(search_claims(q="40000")) == with_40000
    assert set(search_claims(q="40 000")) == with_40000
    assert not search_claims(q="40005").exists()
    assert not set(search_claims(q="37945")) & with_40000


def test_filters_narrow_claims_by_outlet_days_status_and_verdict(seed_corpus: Job, reviewer: User) -> None:
    hamas = seed_claim("000", "Hamas refused to send a delegation")
    outlet = Outlet.objects.create(name="Tehran Times")
    Article.objects.filter(pk=hamas.article_id).update(outlet=outlet, published_at=datetime(2024, 8, 5, 9, tzinfo=UTC))
    day = date(2024, 8, 5)

    def found(**filters: object) -> bool:
        return hamas in find_claims(q="hamas", filters=SearchFilters(**filters))  # type: ignore[arg-type]

    assert found(outlet=outlet, published_from=day, published_to=day)
    assert not found(outlet=Outlet.objects.create(name="Elsewhere"))
    assert not found(published_from=day + timedelta(days=1))
    assert not found(published_to=day - timedelta(days=1))
    assert found(status=ClaimStatus.UNREVIEWED, verdict=HasVerdict.WITHOUT)
    assert not found(verdict=HasVerdict.WITH)
    review_services.review_record(claim_id=hamas.pk, reviewer=reviewer, verdict="contested", rationale="Unsure.")
    assert found(verdict=HasVerdict.WITH, status=ClaimStatus.CONTESTED)
    assert not found(verdict=HasVerdict.WITHOUT)


def test_a_paraphrase_without_the_words_is_found_by_meaning_and_says_so(indexed_corpus: Job) -> None:
    refused = seed_claim("", "Hamas has refused to participate in these talks")
    q = "Hamas declined to attend the negotiations"
    assert refused not in search_claims(q=q)  # no claim has all these words

    close = meaning.close_claims(q)
    found = list(find_claims(q=q, close=close))

    assert refused in found
    hit = found[found.index(refused)]
    assert annotated(hit, "word_hit") is False
    assert annotated(hit, "meaning") == close[refused.pk] >= meaning.CLOSE
    assert [annotated(c, "score") for c in found] == sorted((annotated(c, "score") for c in found), reverse=True)


def test_a_claim_with_the_words_and_close_in_meaning_ranks_above_one_only_close(indexed_corpus: Job) -> None:
    q = "Hamas refused to send a delegation"
    found = list(find_claims(q=q, close=meaning.close_claims(q)))

    assert found[0].text.startswith(q)
    assert annotated(found[0], "word_hit")
    assert annotated(found[0], "meaning") is not None
    assert any(not annotated(c, "word_hit") for c in found[1:])  # other claims close in meaning follow


def test_a_deleted_claim_is_not_found_by_meaning(indexed_corpus: Job, reviewer: User) -> None:
    refused = seed_claim("", "Hamas has refused to participate in these talks")
    q = "Hamas declined to attend the negotiations"
    edit_services.claim_delete(claim_id=refused.pk, user=reviewer, reason="test")

    assert refused.pk in meaning.close_claims(q)  # still in the buckets until they are rebuilt
    assert refused not in find_claims(q=q, close=meaning.close_claims(q))


def test_sentences_are_found_by_the_meaning_of_the_claims_drawn_from_them(indexed_corpus: Job) -> None:
    refused = seed_claim("", "Hamas has refused to participate in these talks")
    q = "Hamas declined to attend the negotiations"
    sentence = refused.spans.get().sentence

    found = list(find_sentences(q=q, close=meaning.close_sentences(meaning.close_claims(q))))

    assert sentence in found
    assert annotated(found[found.index(sentence)], "meaning") >= meaning.CLOSE
