"""The screens say which outlet and date were read from an article's text, from which words, and what was not given."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from sources.models import Article
from tests.claims.selectors.test_inferred_dates import FACT, fact_claim, ingest, supported_by

pytestmark = pytest.mark.django_db

PRINTED = f"Ministers meet\nPublished May 2, 2013\nDOHA (Reuters) - {FACT}, as reported by Mehr News Agency."


@pytest.fixture
def viewer_client(viewer: User) -> Client:
    client = Client()
    client.force_login(viewer)
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_article_list_marks_inferred_values_and_says_what_was_not_given(viewer_client: Client) -> None:
    ingest("printed.txt", PRINTED)
    ingest("bare.txt", f"Talks in Doha\n{FACT}, officials said.")

    html = page(viewer_client, reverse("claims:article-list"))

    assert "outlet not given" in html
    assert "date not given" in html
    assert '<time class="inferred-date" datetime="2013-05-02">2 May 2013</time>' in html
    assert escape("Inferred from the text: “May 2, 2013” (the date printed at its head)") in html
    assert escape("Inferred from the text: “Reuters”") in html


def test_the_article_page_shows_the_words_each_value_was_read_from(viewer_client: Client) -> None:
    article = ingest("printed.txt", PRINTED)

    html = page(viewer_client, reverse("claims:article-detail", args=[article.pk]))

    assert escape("from “May 2, 2013”") in html
    assert escape("Inferred from the text: “Reuters” (the article credits itself to it") in html
    assert "Dateline: DOHA" in html
    assert "Credits <strong>Mehr News Agency</strong>" in html
    assert "a credit, not the publisher" in html


def test_a_given_date_is_shown_as_given_without_a_marker(viewer_client: Client) -> None:
    article = ingest("given.txt", PRINTED, datetime(2013, 5, 3, 9, 30, tzinfo=UTC))

    html = page(viewer_client, reverse("claims:article-detail", args=[article.pk]))

    assert "Inferred from the text: “May 2, 2013”" not in html
    assert "3 May 2013 09:30" in html


def test_the_claim_timeline_marks_a_report_dated_by_its_text(viewer_client: Client) -> None:
    printed = ingest("printed.txt", PRINTED)
    given = ingest("given.txt", f"Talks in Doha\n{FACT}, officials said.", datetime(2013, 5, 5, 8, 0, tzinfo=UTC))
    claim = fact_claim(given)
    supported_by(claim, printed)

    html = page(viewer_client, reverse("claims:claim-detail", args=[claim.pk]))

    assert "timeline__dot--inferred" in html
    assert escape("2 May 2013 (inferred from the text: “May 2, 2013”)") in html
    assert "date inferred from the text" in html
    assert Article.objects.get(pk=printed.pk).published_at is None  # shown, never stored as given
