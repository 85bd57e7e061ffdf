"""Storing articles: exact sentence offsets, deduplication, metadata, and what the database refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from pytest_django.fixtures import Settings

from sources.models import Article, Outlet, Sentence, SentenceKind, StoryArticle
from sources.services import IngestState, article_ingest, outlet_resolve, story_create
from sources.text.reading import ArticleDocument, InvalidDocument
from tests.conftest import SEED_DIR

pytestmark = pytest.mark.django_db

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
NAV_ONLY_HTML = '<html><body><nav><ul><li><a href="/">Home</a></li></ul></nav><footer>Contact</footer></body></html>'
BODY = (
    "Qatar informs Iran on Gaza ceasefire talks\n"
    "Ceasefire talks took place on Thursday and Friday in Doha. Egypt, Qatar and the U.S. mediated.\n"
    "Source link\n"
    "Hamas refused to send a delegation, officials said."
)


def document(body: str = BODY, **meta: str) -> ArticleDocument:
    return ArticleDocument(source="test.txt", body=body, **meta)  # type: ignore[arg-type]


def row_counts() -> tuple[int, int, int]:
    return Article.objects.count(), Sentence.objects.count(), Outlet.objects.count()


def test_an_article_is_stored_with_sentences_at_exact_offsets() -> None:
    outcome = article_ingest(document=document())

    article = Article.objects.get()
    sentences = list(article.sentences.order_by("position"))
    assert outcome.state == IngestState.CREATED
    assert outcome.article == article
    assert "Source link" not in article.body
    assert [(s.position, s.text, s.kind) for s in sentences] == [
        (0, "Qatar informs Iran on Gaza ceasefire talks", SentenceKind.TITLE),
        (1, "Ceasefire talks took place on Thursday and Friday in Doha.", SentenceKind.BODY),
        (2, "Egypt, Qatar and the U.S. mediated.", SentenceKind.BODY),
        (3, "Hamas refused to send a delegation, officials said.", SentenceKind.BODY),
    ]
    assert all(article.body[s.start : s.end] == s.text for s in sentences)
    assert [s.paragraph for s in sentences] == [0, 1, 1, 2]
    assert article.source_name == "test.txt"
    assert article.language == "en"


def test_the_same_text_again_is_a_duplicate_and_changes_no_rows() -> None:
    first = article_ingest(document=document(url="https://www.tehrantimes.com/news/1"))
    before = row_counts()

    again = article_ingest(document=document(url="https://www.tehrantimes.com/news/1"))
    reformatted = article_ingest(document=document(BODY.replace("\n", "  \r\n") + "\r\n"))

    assert (again.state, reformatted.state) == (IngestState.DUPLICATE, IngestState.DUPLICATE)
    assert again.article.pk == reformatted.article.pk == first.article.pk
    assert row_counts() == before


def test_html_is_reduced_to_article_text_and_fills_metadata() -> None:
    html = (DATA_DIR / "gulf_daily_wire.html").read_text(encoding="utf-8")

    article = article_ingest(document=document(html, is_html=True)).article  # type: ignore[arg-type]

    assert article.body.startswith("Qatar briefs Iran on Gaza ceasefire talks\nQatar's Foreign Minister briefed Iran")
    for furniture in ("World news menu", "Sport section link", "Subscribe", "All rights reserved", "<p>"):
        assert furniture not in article.body
    assert article.title == "Qatar briefs Iran on Gaza ceasefire talks"
    assert article.url == "https://www.gulfdailywire.example/world/qatar-briefs-iran"
    assert article.published_at == datetime(2024, 8, 16, tzinfo=UTC)
    assert article.outlet is not None
    assert (article.outlet.name, article.outlet.domain) == ("Gulf Daily Wire", "gulfdailywire.example")


def test_given_metadata_wins_over_what_the_html_says() -> None:
    html = (DATA_DIR / "gulf_daily_wire.html").read_text(encoding="utf-8")

    article = article_ingest(
        document=document(html, is_html=True, title="Our own title", outlet="Wire Copy")  # type: ignore[arg-type]
    ).article

    assert article.title == "Our own title"
    assert article.outlet is not None
    assert article.outlet.name == "Wire Copy"


def test_html_without_article_text_is_refused_with_a_reason() -> None:
    with pytest.raises(InvalidDocument, match="no article text found in the HTML"):
        article_ingest(document=document(NAV_ONLY_HTML, is_html=True))  # type: ignore[arg-type]
    assert Article.objects.count() == 0


def test_a_body_of_only_boilerplate_is_refused_with_a_reason() -> None:
    with pytest.raises(InvalidDocument, match="no text left after removing boilerplate"):
        article_ingest(document=document("Source link\nAdvertisement"))


def test_text_over_the_limit_is_refused_naming_its_length(settings: Settings) -> None:
    settings.MAX_ARTICLE_BYTES = 50

    with pytest.raises(InvalidDocument, match=f"article text is {len(BODY) - len('Source link') - 1:,} characters"):
        article_ingest(document=document())


def test_the_outlet_is_resolved_from_the_url_domain_and_reused() -> None:
    first = article_ingest(document=document(url="https://www.tehrantimes.com/news/1")).article
    second = article_ingest(document=document("Another story here.", url="https://tehrantimes.com/news/2")).article

    assert first.outlet is not None
    assert (first.outlet.name, first.outlet.domain) == ("tehrantimes.com", "tehrantimes.com")
    assert second.outlet == first.outlet
    assert Outlet.objects.count() == 1


def test_a_named_outlet_at_a_known_domain_is_that_outlet() -> None:
    # The domain is unique to one outlet; a site name seen later must not try to claim it again.
    by_url = article_ingest(document=document(url="https://www.tehrantimes.com/news/1")).article

    named = article_ingest(
        document=document("Another story here.", outlet="Tehran Times", url="https://www.tehrantimes.com/news/2")
    ).article

    assert named.outlet == by_url.outlet
    assert Outlet.objects.count() == 1


def test_a_named_outlet_learns_its_domain_once() -> None:
    named = outlet_resolve(name="Tehran Times", domain="")
    assert named is not None

    again = outlet_resolve(name="Tehran Times", domain="tehrantimes.com")

    assert again == named
    assert Outlet.objects.get().domain == "tehrantimes.com"
    assert outlet_resolve(name="", domain="tehrantimes.com") == named
    assert outlet_resolve(name="", domain="") is None


def test_an_article_can_be_added_to_a_story_also_when_it_is_a_duplicate() -> None:
    gaza = story_create(name="Gaza talks", slug="gaza-talks")
    doha = story_create(name="Doha round", slug="doha-round")

    first = article_ingest(document=document(), story=gaza)
    again = article_ingest(document=document(), story=doha)

    assert again.state == IngestState.DUPLICATE
    assert set(StoryArticle.objects.values_list("story__slug", "article_id")) == {
        ("gaza-talks", first.article.pk),
        ("doha-round", first.article.pk),
    }


def test_the_title_of_a_seed_article_with_a_headline_is_its_first_line() -> None:
    with_headline = article_ingest(document=document((SEED_DIR / "000_5614b18390f512d7.txt").read_text())).article
    without = article_ingest(document=document((SEED_DIR / "001_87981ebdd33f752b.txt").read_text())).article

    assert with_headline.title == "Qatar informs Iran on Gaza ceasefire talks"
    assert without.title == ""
    assert without.display_title.startswith("The meeting addressed regional developments")


# --- what the database refuses, whatever the code above it does ---------------


@pytest.fixture
def stored() -> Article:
    return article_ingest(document=document()).article


def test_the_database_refuses_a_sentence_whose_text_is_not_the_body_span(stored: Article) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Sentence.objects.create(article=stored, position=99, start=0, end=5, text="Qatax")


def test_the_database_refuses_a_sentence_past_the_end_of_the_body(stored: Article) -> None:
    end = len(stored.body)
    with pytest.raises(IntegrityError), transaction.atomic():
        Sentence.objects.create(article=stored, position=99, start=end - 3, end=end + 2, text=stored.body[end - 3 :])


def test_the_database_refuses_editing_a_sentence_away_from_the_body(stored: Article) -> None:
    sentence = stored.sentences.get(position=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        Sentence.objects.filter(pk=sentence.pk).update(text="Ceasefire talks never happened.")


def test_the_database_refuses_an_empty_span(stored: Article) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Sentence.objects.create(article=stored, position=99, start=5, end=5, text="")


def test_the_database_refuses_a_reversed_span(stored: Article) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Sentence.objects.create(article=stored, position=99, start=6, end=5, text="")


def test_the_database_refuses_two_sentences_at_one_position(stored: Article) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Sentence.objects.create(article=stored, position=0, start=0, end=5, text=stored.body[0:5])


def test_the_database_accepts_a_sentence_that_is_the_body_span(stored: Article) -> None:
    # The counterpart of the refusals above: the trigger checks the text, it does not refuse everything.
    Sentence.objects.create(article=stored, position=99, start=0, end=5, text=stored.body[0:5])

    assert stored.sentences.count() == 5


def test_the_database_refuses_changing_a_stored_body(stored: Article) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=stored.pk).update(body=stored.body + " Edited.")
    stored.refresh_from_db()
    stored.title = "A new title is fine"
    stored.save()

    assert Article.objects.get(pk=stored.pk).title == "A new title is fine"


def test_the_database_refuses_a_second_article_with_the_same_hash(stored: Article) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(body="Different text.", content_hash=stored.content_hash)


@pytest.mark.parametrize(
    ("field", "value"),
    [("language", "en-GB-oxendict-x1"), ("domain", "d" * 254), ("url", "https://example.org/" + "a" * 2000)],
)
def test_metadata_wider_than_its_column_is_refused_naming_the_field(field: str, value: str) -> None:
    doc = document(**{field: value})

    with pytest.raises(InvalidDocument, match=f"{field} is {len(value):,} characters"):
        article_ingest(document=doc)
    assert Article.objects.count() == 0
