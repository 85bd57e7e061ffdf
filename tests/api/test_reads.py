"""Read endpoints: fields, filters, exact quotes, ETags, pagination and query budgets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from claims.models import Claim, ClaimStatus, Evidence, EvidenceMethod, Job, Stance
from claims.services import groups as group_services
from claims.services import reviews as review_services
from sources.models import Article, Sentence
from sources.text.reading import ArticleDocument
from tests.api.conftest import API, article_doc, ingest_now
from tests.conftest import SEED_DIR, ingest_paths_now


def results(client: APIClient, path: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"{API}/{path}", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(rows: list[dict[str, Any]]) -> set[int]:
    return {row["id"] for row in rows}


# --- articles and sentences -------------------------------------------------------


def test_article_list_shows_outlet_and_counts(as_viewer: APIClient, newsroom: dict[str, Any]):
    rows = results(as_viewer, "articles/")
    article = newsroom["articles"]["test-1.txt"]
    row = next(r for r in rows if r["id"] == article.pk)
    assert row == {
        "id": article.pk,
        "title": "Harbour report number 1",
        "outlet": {"id": article.outlet.pk, "name": "Daily Ledger", "domain": "ledger.example"},
        "url": "",
        "published_at": "2024-01-10T00:00:00Z",
        "language": article.language,
        "content_hash": article.content_hash,
        "sentence_count": Sentence.objects.filter(article=article).count(),
        "claim_count": Claim.objects.filter(article=article).count(),
    }
    assert row["sentence_count"] == 4
    assert row["claim_count"] == 3
    assert "body" not in row


def test_article_detail_has_the_body_and_sentences_that_slice_it(as_viewer: APIClient, seed_corpus: Job):
    article = Article.objects.order_by("id").first()
    assert article is not None
    data = as_viewer.get(f"{API}/articles/{article.pk}/").json()
    assert data["body"] == article.body
    sentences = data["sentences"]
    assert [s["position"] for s in sentences] == list(range(len(sentences)))
    assert len(sentences) == data["sentence_count"] == article.sentences.count()
    for s in sentences:
        assert set(s) == {"id", "position", "start", "end", "text", "kind"}
        assert s["text"] == article.body[s["start"] : s["end"]]


def test_articles_filter_by_story_outlet_and_publication_date(as_viewer: APIClient, newsroom: dict[str, Any]):
    a = newsroom["articles"]
    one, two, three = a["test-1.txt"], a["test-2.txt"], a["test-3.txt"]
    assert ids(results(as_viewer, "articles/", story="harbours")) == {one.pk, two.pk}
    assert results(as_viewer, "articles/", story="no-such-story") == []
    assert ids(results(as_viewer, "articles/", outlet=three.outlet.pk)) == {three.pk}
    assert ids(results(as_viewer, "articles/", published_after="2024-02-10")) == {two.pk, three.pk}
    assert ids(results(as_viewer, "articles/", published_before="2024-02-10")) == {one.pk}
    between = results(as_viewer, "articles/", published_after="2024-01-11", published_before="2024-03-01T00:00:00Z")
    assert ids(between) == {two.pk}


def test_sentences_filter_by_article(as_viewer: APIClient, newsroom: dict[str, Any]):
    article = newsroom["articles"]["test-2.txt"]
    rows = results(as_viewer, "sentences/", article=article.pk)
    assert ids(rows) == set(Sentence.objects.filter(article=article).values_list("id", flat=True))
    assert {r["article"] for r in rows} == {article.pk}
    one = as_viewer.get(f"{API}/sentences/{rows[1]['id']}/").json()
    assert one == rows[1]
    assert one["text"] == article.body[one["start"] : one["end"]]
    assert {r["kind"] for r in results(as_viewer, "sentences/", article=article.pk, kind="title")} == {"title"}


# --- claims -----------------------------------------------------------------------


def test_claims_filter_by_status_story_article_outlet_and_text(
    as_viewer: APIClient, newsroom: dict[str, Any], reviewer: User
):
    a = newsroom["articles"]
    one, three = a["test-1.txt"], a["test-3.txt"]
    claims_of = {k: set(Claim.objects.filter(article=v).values_list("id", flat=True)) for k, v in a.items()}
    assert ids(results(as_viewer, "claims/", article=one.pk)) == claims_of["test-1.txt"]
    assert ids(results(as_viewer, "claims/", story="harbours")) == claims_of["test-1.txt"] | claims_of["test-2.txt"]
    assert ids(results(as_viewer, "claims/", outlet=three.outlet.pk)) == claims_of["test-3.txt"]
    found = results(as_viewer, "claims/", q="203 SHIPS were inspected")
    assert [c["text"] for c in found] == ["203 ships were inspected last year"]

    contested = Claim.objects.filter(article=one).first()
    assert contested is not None
    review_services.review_record(
        claim_id=contested.pk, reviewer=reviewer, verdict="contested", rationale="Wrong year."
    )
    assert ids(results(as_viewer, "claims/", status=ClaimStatus.CONTESTED)) == {contested.pk}
    unreviewed = ids(results(as_viewer, "claims/", status=ClaimStatus.UNREVIEWED, article=one.pk))
    assert unreviewed == claims_of["test-1.txt"] - {contested.pk}


def test_claim_detail_lists_evidence_with_exact_quotes(as_viewer: APIClient, newsroom: dict[str, Any], reviewer: User):
    a = newsroom["articles"]
    claim = Claim.objects.filter(article=a["test-1.txt"], text__contains="ships were inspected").get()
    # Evidence from another article, in a sentence with non-ASCII text before the span, so
    # a quote cut by bytes or from the wrong body would differ.
    ingest_now(article_doc(9, title="Über Häfen – “Rotterdam”"))
    other = Article.objects.get(source_name="test-9.txt")
    sentence = other.sentences.filter(text__contains="Rotterdam").get()
    start = other.body.index("Rotterdam", sentence.start)
    Evidence.objects.create(
        claim=claim,
        sentence=sentence,
        start=start,
        end=start + len("Rotterdam confirmed"),
        stance=Stance.CONTRADICTS,
        method=EvidenceMethod.LEXICAL,
        score=0.5,
    )
    review_services.review_record(claim_id=claim.pk, reviewer=reviewer, verdict="corroborated", rationale="Port data.")

    response = as_viewer.get(f"{API}/claims/{claim.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["text"] == claim.text
    assert data["article"] == claim.article_id
    assert data["status"] == "corroborated"
    assert data["version"] == 2
    evidence = data["evidence"]
    assert len(evidence) == 2
    bodies = {art.pk: art.body for art in Article.objects.all()}
    for item in evidence:
        assert item["quote"] == bodies[item["article"]][item["start"] : item["end"]]
        assert Sentence.objects.get(pk=item["sentence"]).article_id == item["article"]
    origin, lexical = evidence
    assert (origin["method"], origin["article"], origin["quote"]) == ("origin", claim.article_id, claim.text)
    assert (lexical["method"], lexical["article"], lexical["quote"]) == ("lexical", other.pk, "Rotterdam confirmed")
    assert lexical["stance"] == "contradicts"
    assert lexical["decision"] == "pending"
    (span,) = data["spans"]
    assert span["text"] == bodies[claim.article_id][span["start"] : span["end"]] == claim.text
    assert data["reviews"] == [
        {
            "verdict": "corroborated",
            "rating": None,  # recorded with a bare verdict, as before the rating scale
            "reviewer": reviewer.username,
            "rationale": "Port data.",
            "created_at": data["reviews"][0]["created_at"],
        }
    ]


def test_claim_detail_carries_an_etag_of_its_version(as_viewer: APIClient, seed_corpus: Job, reviewer: User):
    claim = Claim.objects.order_by("id").first()
    assert claim is not None
    first = as_viewer.get(f"{API}/claims/{claim.pk}/")
    assert first["ETag"] == f'"claim-{claim.pk}-v1"'
    assert as_viewer.get(f"{API}/claims/{claim.pk}/")["ETag"] == first["ETag"]
    review_services.review_record(claim_id=claim.pk, reviewer=reviewer, verdict="contested", rationale="No source.")
    assert as_viewer.get(f"{API}/claims/{claim.pk}/")["ETag"] == f'"claim-{claim.pk}-v2"'


# --- jobs -------------------------------------------------------------------------


def test_job_detail_lists_items_and_never_the_queued_payload(as_viewer: APIClient, newsroom: dict[str, Any]):
    job = Job.objects.get(story=newsroom["story"])
    data = as_viewer.get(f"{API}/jobs/{job.pk}/").json()
    assert (data["kind"], data["state"], data["done"], data["total"]) == ("ingest", "succeeded", 2, 2)
    assert data["story"] == "harbours"
    assert data["result"]["created"] == 2
    assert data["started_at"] is not None
    assert data["finished_at"] is not None
    a = newsroom["articles"]
    assert data["items"] == [
        {
            "position": 0,
            "source": "test-1.txt",
            "state": "created",
            "message": f"stored as article {a['test-1.txt'].pk}",
            "article": a["test-1.txt"].pk,
        },
        {
            "position": 1,
            "source": "test-2.txt",
            "state": "created",
            "message": f"stored as article {a['test-2.txt'].pk}",
            "article": a["test-2.txt"].pk,
        },
    ]
    assert "Port Authority" not in str(data)  # the document text stays in the database

    listed = results(as_viewer, "jobs/")
    assert [r["id"] for r in listed] == list(Job.objects.order_by("-created_at", "-id").values_list("id", flat=True))
    assert "items" not in listed[0]
    assert ids(results(as_viewer, "jobs/", state="succeeded")) == ids(listed)
    assert results(as_viewer, "jobs/", state="failed") == []


def test_a_job_names_its_files_without_the_server_folders_they_were_read_from(
    as_viewer: APIClient, tmp_path: Path
) -> None:
    missing = tmp_path / "inbox" / "missing.txt"
    job = ingest_paths_now(SEED_DIR, missing)

    response = as_viewer.get(f"{API}/jobs/{job.pk}/")
    listed = as_viewer.get(f"{API}/jobs/")

    assert response.status_code == 200
    for folder in (str(SEED_DIR), str(tmp_path), "samples/seed/", "/tmp/"):
        assert folder not in response.content.decode()
        assert folder not in listed.content.decode()
    data = response.json()
    assert [i["source"] for i in data["items"]] == [Path(i.source).name for i in job.items.order_by("position")]
    assert data["items"][-1] == {
        "position": 5,
        "source": "missing.txt",
        "state": "failed",
        "message": "no such file or folder",
        "article": None,
    }
    assert data["result"]["errors"] == [{"source": "missing.txt", "message": "no such file or folder"}]
    assert all(i["article"] for i in data["items"][:5])  # each stored file links its article


# --- pagination and query budgets -----------------------------------------------


def walk(client: APIClient, path: str, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a cursor list, following ``next`` links to the end."""
    pages = []
    url: str | None = f"{API}/{path}"
    query: dict[str, Any] = params
    while url is not None:
        data = client.get(url, query).json()
        pages.append(data["results"])
        url, query = data["next"], {}
    return pages


def test_cursor_pages_are_capped_and_walk_every_row_once(as_viewer: APIClient, db: None):
    body = "\n\n".join(f"Paragraph {i} says that {i} ships arrived in port." for i in range(260))
    ingest_now(ArticleDocument(source="long.txt", body=body))
    total = Sentence.objects.count()
    assert total > 250
    first = as_viewer.get(f"{API}/sentences/", {"page_size": 10_000}).json()
    assert len(first["results"]) == 200
    assert first["next"] is not None
    assert first["previous"] is None
    assert len(results(as_viewer, "sentences/")) == 50
    pages = walk(as_viewer, "sentences/", page_size=100)
    assert [len(p) for p in pages] == [100, 100, total - 200]
    walked = [row["id"] for page in pages for row in page]
    assert walked == sorted(Sentence.objects.values_list("id", flat=True))


def test_rows_added_during_a_walk_neither_shift_nor_repeat_a_page(as_viewer: APIClient, newsroom: dict[str, Any]):
    before = list(Claim.objects.order_by("id").values_list("id", flat=True))
    first = as_viewer.get(f"{API}/claims/", {"page_size": 4}).json()
    ingest_now(article_doc(7))  # new claims arrive between two page reads
    seen = [c["id"] for c in first["results"]]
    url: str | None = first["next"]
    while url is not None:
        data = as_viewer.get(url).json()
        seen += [c["id"] for c in data["results"]]
        url = data["next"]
    assert seen[: len(before)] == before
    assert seen == sorted(Claim.objects.values_list("id", flat=True))


def _reviews_by_two_people(reviewer: User, second_reviewer: User) -> None:
    for n, claim in enumerate(Claim.objects.order_by("id")[:6]):
        who = reviewer if n % 2 else second_reviewer
        review_services.review_record(
            claim_id=claim.pk, reviewer=who, verdict="corroborated", rationale=f"Checked {n}."
        )


# Each budget is 3 queries to authenticate (the token with its grant: scope and password stamp;
# the user's other tokens; the role)
# plus the endpoint's own: a page-number list = count + page, a cursor list = page;
# details add one per prefetched relation (a claim: one for its group with its size, two for
# its corroboration; a group: the group, members, history).
# Budgets are exact, so one extra query for any row (an outlet, a reviewer, a story,
# an evidence quote's article) breaks them.
@pytest.mark.parametrize(
    ("path", "budget", "rows_key"),
    [
        ("articles/", 5, "results"),
        ("sentences/", 4, "results"),
        ("claims/", 4, "results"),
        ("reviews/", 4, "results"),
        ("jobs/", 5, "results"),
        ("articles/{article}/", 5, "sentences"),
        ("claims/{claim}/", 10, "evidence"),
        ("groups/", 4, "results"),
        ("groups/{group}/", 6, "members"),
        ("jobs/{job}/", 5, "items"),
    ],
)
def test_list_endpoints_stay_within_a_query_budget(
    as_viewer: APIClient,
    seed_corpus: Job,
    newsroom: dict[str, Any],
    reviewer: User,
    second_reviewer: User,
    django_assert_max_num_queries: Any,
    path: str,
    budget: int,
    rows_key: str,
):
    _reviews_by_two_people(reviewer, second_reviewer)
    claim = Claim.objects.filter(reviews__isnull=False).first()
    assert claim is not None
    # A second evidence row, from another article, for the claim detail.
    other = Sentence.objects.exclude(article_id=claim.article_id).first()
    assert other is not None
    Evidence.objects.create(
        claim=claim, sentence=other, start=other.start, end=other.end, stance=Stance.SUPPORTS,
        method=EvidenceMethod.LEXICAL, score=0.4,
    )  # fmt: skip
    # The claim in a duplicate group with a claim of another article.
    twin = Claim.objects.exclude(article_id=claim.article_id).first()
    assert twin is not None
    group = group_services.group_create(claim_ids=[claim.pk, twin.pk], user=reviewer)
    pair = Claim.objects.exclude(pk__in=[claim.pk, twin.pk]).values_list("id", flat=True)[:2]
    group_services.group_create(claim_ids=list(pair), user=reviewer)  # a second row for the group list
    url = f"{API}/" + path.format(article=claim.article_id, claim=claim.pk, job=seed_corpus.pk, group=group.pk)
    with django_assert_max_num_queries(budget):
        response = as_viewer.get(url)
    assert response.status_code == 200
    data = response.json()
    assert len(data[rows_key]) >= 2
    if rows_key == "evidence":
        assert data["group"]["size"] == 2
        assert data["reviews"]
        assert len({e["article"] for e in data["evidence"]}) == 2
