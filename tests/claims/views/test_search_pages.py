"""The search page (words, figures, names and meaning, with filters) and the page of a person or organisation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claims.models import Claim, Job
from claims.services import indexing as indexing_services
from sources.models import Article, Outlet
from tests.claims.helpers import all_claim_ids, seed_claim
from tests.claims.views.test_claim_pages import page_text, signed_in

pytestmark = pytest.mark.django_db

PARAPHRASE = "Hamas declined to attend the negotiations"
# session, user, groups, story and outlet choices, JIT off, commit; meaning: buckets, vectors, the close claims'
# sentences; name keys; per list (claims, sentences): close ones' word test, count, and at most three reads of
# the page (close ones above the word matches, word matches, close ones below): whatever the number of results
SEARCH_QUERIES_MAX = 22
# session, user, groups, spellings, role counts, claim count and page, outlets (and their names)
ENTITY_QUERIES = 9


@pytest.fixture
def indexed_corpus(seed_corpus: Job) -> Job:
    indexing_services.claims_index(claim_ids=all_claim_ids())
    return seed_corpus


def test_the_search_page_says_which_results_match_the_words_and_which_the_meaning(
    client: Client, viewer: User, indexed_corpus: Job
) -> None:
    signed_in(client, viewer)
    refused = seed_claim("", "Hamas has refused to participate in these talks")

    by_meaning = client.get(reverse("claims:search"), {"q": PARAPHRASE})
    by_words = client.get(reverse("claims:search"), {"q": "refused delegation"})

    rows = dict(by_meaning.context["claim_rows"])
    assert rows[refused]["words"] is False
    assert rows[refused]["meaning"] in {"close in meaning", "very close in meaning"}
    html = page_text(by_meaning)
    assert reverse("claims:claim-detail", args=[refused.pk]) in html
    assert f"{rows[refused]['meaning']} · {rows[refused]['cosine']:.2f}" in html
    hamas = seed_claim("000", "Hamas refused to send a delegation")
    assert dict(by_words.context["claim_rows"])[hamas]["words"] is True
    assert "word match</span>" in page_text(by_words)


def test_the_search_makes_a_bounded_number_of_queries_however_many_results(
    client: Client, viewer: User, indexed_corpus: Job, django_assert_max_num_queries
) -> None:
    signed_in(client, viewer)
    for q in (PARAPHRASE, "Gaza", "Hamas refused to send a delegation", "40000"):
        with django_assert_max_num_queries(SEARCH_QUERIES_MAX):
            response = client.get(reverse("claims:search"), {"q": q})
        assert response.context["claims"].paginator.count > 0


def test_filters_narrow_the_results_and_a_bad_range_is_a_form_error(
    client: Client, viewer: User, seed_corpus: Job
) -> None:
    signed_in(client, viewer)
    hamas = seed_claim("000", "Hamas refused to send a delegation")
    Article.objects.filter(pk=hamas.article_id).update(published_at=datetime(2024, 8, 5, 9, tzinfo=UTC))
    day = "2024-08-05"

    same_day = client.get(
        reverse("claims:search"), {"q": "refused delegation", "published_from": day, "published_to": day}
    )
    reviewed = client.get(reverse("claims:search"), {"q": "refused delegation", "verdict": "with"})
    backwards = client.get(
        reverse("claims:search"), {"q": "refused delegation", "published_from": day, "published_to": "2000-01-01"}
    )

    assert hamas in dict(same_day.context["claim_rows"])
    assert reviewed.context["claims"].paginator.count == 0
    assert "among the filtered ones" in page_text(reviewed)
    assert "Status and verdict narrow claims only" in page_text(reviewed)
    assert backwards.status_code == 200
    assert "claims" not in backwards.context
    assert "The last day comes before the first." in page_text(backwards)


def test_the_page_of_a_person_lists_spellings_claims_by_role_and_outlets(
    client: Client, viewer: User, seed_corpus: Job, django_assert_num_queries
) -> None:
    signed_in(client, viewer)
    baqeri = seed_claim("", "Baqeri condemned")
    key = next(e["key"] for e in baqeri.entities if "Baqeri" in e["name"])
    outlet = Outlet.objects.create(name="Tehran Times")
    Article.objects.filter(pk=baqeri.article_id).update(outlet=outlet)
    named = Claim.objects.filter(entity_mentions__key=key, deleted_at__isnull=True)

    with django_assert_num_queries(ENTITY_QUERIES):
        response = client.get(reverse("claims:entity-detail", args=[key]))
    credited = client.get(reverse("claims:entity-detail", args=[key]), {"as": "credited"})
    mentioning = client.get(reverse("claims:entity-detail", args=[key]), {"as": "named"})

    counts = response.context["counts"]
    spellings = [s.name for s in response.context["spellings"]]
    assert counts["all"] == named.count()
    assert counts["credited"] == credited.context["claims"].paginator.count > 0
    assert counts["named"] == mentioning.context["claims"].paginator.count > 0
    assert counts["credited"] + counts["named"] == counts["all"]
    assert all(c.credited for c in credited.context["claims"])
    assert all(any(name in str(c.attribution) for name in spellings) for c in credited.context["claims"])
    assert not any(any(name in str(c.attribution) for name in spellings) for c in mentioning.context["claims"])
    assert "Baqeri" in spellings
    outlets = response.context["outlets"]
    assert sum(o.named for o in outlets) == counts["all"]
    assert sum(o.credited for o in outlets) == counts["credited"]
    tehran = next(o for o in outlets if o.outlet == outlet)
    assert tehran.named == named.filter(article__outlet=outlet).count() > 0


def test_a_name_in_another_spelling_has_one_page_and_the_claim_page_links_to_it(
    client: Client, viewer: User, seed_corpus: Job
) -> None:
    signed_in(client, viewer)
    baqeri = seed_claim("", "Baqeri condemned")
    key = next(e["key"] for e in baqeri.entities if "Baqeri" in e["name"])

    claim_page = client.get(reverse("claims:claim-detail", args=[baqeri.pk]))
    person = client.get(reverse("claims:entity-detail", args=[key]))

    assert reverse("claims:entity-detail", args=[key]) in page_text(claim_page)
    spellings = {s.name for s in person.context["spellings"]}
    assert any("Bagheri" in s for s in spellings)
    assert any("Baqeri" in s for s in spellings)


def test_an_unknown_person_is_a_404(client: Client, viewer: User, db: None) -> None:
    response = signed_in(client, viewer).get(reverse("claims:entity-detail", args=["nobodyatall"]))

    assert response.status_code == 404
