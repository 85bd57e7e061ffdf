"""Metadata read from the text at ingestion and afterwards: stored apart, never over a given value."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.management import CommandError, call_command

from sources.models import Article, Outlet
from sources.services import article_infer_metadata, article_ingest
from sources.text.inference import DateKind
from sources.text.reading import ArticleDocument, read_paths
from tests.conftest import SEED_DIR

pytestmark = pytest.mark.django_db

WIRE = "Senate vote\nPublished May 2, 2013\nWASHINGTON (Reuters) - The Senate passed the budget bill on Thursday."
GIVEN_AT = datetime(2013, 5, 3, 9, 30, tzinfo=UTC)


def ingest(body: str = WIRE, **meta: object) -> Article:
    return article_ingest(document=ArticleDocument(source="wire.txt", body=body, **meta)).article  # type: ignore[arg-type]


def test_an_article_without_metadata_keeps_what_its_text_gives_apart_from_the_given_fields() -> None:
    article = ingest()

    article.refresh_from_db()
    meta = article.inferred_metadata
    assert article.outlet is None
    assert article.published_at is None
    assert meta.outlet is not None
    assert meta.outlet.value == "Reuters"
    assert article.body[meta.outlet.evidence.start : meta.outlet.evidence.end] == "Reuters"
    assert meta.published is not None
    assert (meta.published.kind, meta.published.on) == (DateKind.PRINTED, date(2013, 5, 2))
    assert article.publication.at == datetime(2013, 5, 2, tzinfo=UTC)
    assert article.publication.inferred == meta.published


def test_given_metadata_is_stored_as_given_and_nothing_is_inferred_for_it() -> None:
    article = ingest(outlet="The Hill", published_at=GIVEN_AT)

    article.refresh_from_db()
    assert article.outlet is not None
    assert article.outlet.name == "The Hill"
    assert article.published_at == GIVEN_AT
    assert article.inferred["outlet"] is None
    assert article.inferred["published"] is None
    assert article.publication.at == GIVEN_AT
    assert article.publication.inferred is None
    assert article.inferred["place"]["value"] == "WASHINGTON"  # not a metadata field: kept


def test_a_day_the_text_only_bounds_is_not_an_anchor_for_weekdays() -> None:
    article = ingest("Bill\nThe Senate passed the bill on June 8, 2012, after a long debate in the chamber.")

    assert article.publication.at == datetime(2012, 6, 8, tzinfo=UTC)
    assert article.publication.is_lower_bound
    assert article.publication.anchor is None


def test_the_seed_articles_give_datelines_and_credits_but_no_outlet_or_date() -> None:
    for document in read_paths([SEED_DIR], max_bytes=1_000_000):
        assert isinstance(document, ArticleDocument)
        article_ingest(document=document)

    by_prefix = {a.source_name.rsplit("/", 1)[-1][:3]: a.inferred_metadata for a in Article.objects.all()}
    assert sorted(by_prefix) == ["000", "001", "002", "003", "004"]
    assert all(m.outlet is None and m.published is None for m in by_prefix.values())
    assert [p for p, m in sorted(by_prefix.items()) if m.place] == ["000", "002"]
    assert [c.value for c in by_prefix["001"].credits] == ["Mehr News Agency"]
    assert [c.value for c in by_prefix["004"].credits] == ["Islamic Republic News Agency", "IRNA"]


def test_reinferring_fills_articles_stored_before_and_changes_nothing_the_second_time() -> None:
    article = ingest()
    Article.objects.filter(pk=article.pk).update(inferred={})
    article.refresh_from_db()

    assert article_infer_metadata(article=article) is True
    assert article_infer_metadata(article=article) is False
    article.refresh_from_db()
    assert article.inferred_metadata.published is not None


def test_once_a_value_is_given_reinferring_drops_the_inferred_one_and_keeps_the_given() -> None:
    article = ingest()
    outlet = Outlet.objects.create(name="The Hill")
    Article.objects.filter(pk=article.pk).update(published_at=GIVEN_AT, outlet=outlet)

    assert article_infer_metadata(article=article) is True

    article.refresh_from_db()
    assert (article.published_at, article.outlet) == (GIVEN_AT, outlet)
    assert article.inferred_metadata.published is None
    assert article.inferred_metadata.outlet is None


def test_the_command_infers_for_stored_articles(capsys: pytest.CaptureFixture[str]) -> None:
    article = ingest()
    Article.objects.filter(pk=article.pk).update(inferred={})

    call_command("infer_metadata")

    assert "1 article(s) updated; 1 with a date read from the text." in capsys.readouterr().out
    article.refresh_from_db()
    assert article.inferred_metadata.outlet is not None


def test_the_command_refuses_an_unknown_article() -> None:
    with pytest.raises(CommandError, match="no article with id 999999"):
        call_command("infer_metadata", "--article", "999999")
