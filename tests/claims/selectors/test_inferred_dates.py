"""Reports dated by their text: placed on the timeline and marked; a mere bound never makes the first appearance."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from claims.jobs import ingest as ingest_jobs
from claims.jobs import runner as job_runner
from claims.models import Claim, Evidence, EvidenceMethod, LinkStrength, Stance
from claims.selectors.corroboration import claim_corroboration
from claims.selectors.timeline import claim_timeline
from sources.models import Article
from sources.text.inference import DateKind
from sources.text.reading import ArticleDocument
from tests.claims.helpers import link_as_matcher

pytestmark = pytest.mark.django_db

FACT = "The foreign ministers of Qatar and Iran discussed the ceasefire negotiations in Doha for three hours"


def ingest(source: str, body: str, published: datetime | None = None) -> Article:
    job = ingest_jobs.job_create_ingest(documents=[ArticleDocument(source=source, body=body, published_at=published)])
    job_runner.job_run(job_id=job.pk)
    return Article.objects.get(source_name=source)


def fact_claim(article: Article) -> Claim:
    claim = Claim.objects.filter(article=article, text__icontains="ceasefire negotiations").order_by("id").first()
    assert claim is not None
    return claim


def supported_by(claim: Claim, *others: Article) -> None:
    """An automatic supporting link from each other article's claim, whether or not a match job made one."""
    for other in others:
        via = fact_claim(other)
        made = Evidence.objects.filter(claim=claim, via_claim=via)
        if not made.update(stance=Stance.SUPPORTS, strength=LinkStrength.AUTO):
            link_as_matcher(claim, via, stance=Stance.SUPPORTS, method=EvidenceMethod.LEXICAL, score=0.9)


def test_a_printed_date_dates_the_report_marked_as_inferred_and_can_be_the_first_appearance() -> None:
    printed = ingest("printed.txt", f"Ministers meet\nPublished May 2, 2013\n{FACT}.")
    given = ingest("given.txt", f"Talks in Doha\n{FACT}, officials said.", datetime(2013, 5, 5, 8, 0, tzinfo=UTC))
    claim = fact_claim(given)
    supported_by(claim, printed)

    result = claim_corroboration(claim=claim)

    by_article = {r.article_id: r for r in result.reports}
    assert by_article[printed.pk].published_at == datetime(2013, 5, 2, tzinfo=UTC)
    inferred = by_article[printed.pk].date_inferred
    assert inferred is not None
    assert (inferred.kind, inferred.evidence.text) == (DateKind.PRINTED, "May 2, 2013")
    assert by_article[given.pk].date_inferred is None
    assert result.first_appearance is not None
    assert result.first_appearance.article_id == printed.pk
    timeline = claim_timeline(result)
    assert timeline is not None
    assert timeline.has_inferred
    assert [d.report.article_id for d in timeline.dots if d.report.date_inferred] == [printed.pk]
    assert [t.day_only for t in timeline.ticks] == [True, False]


def test_a_day_the_text_only_bounds_is_on_the_timeline_but_never_the_first_appearance() -> None:
    bounded = ingest("bounded.txt", f"Ministers meet\n{FACT}. The talks were first proposed on 1 April 2013.")
    given = ingest("given.txt", f"Talks in Doha\n{FACT}, officials said.", datetime(2013, 5, 5, 8, 0, tzinfo=UTC))
    claim = fact_claim(given)
    supported_by(claim, bounded)

    result = claim_corroboration(claim=claim)

    bound = next(r for r in result.reports if r.article_id == bounded.pk)
    assert bound.published_at == datetime(2013, 4, 1, tzinfo=UTC)
    assert bound.date_inferred is not None
    assert bound.date_inferred.kind == DateKind.NOT_BEFORE
    assert result.reports[0].article_id == bounded.pk  # ordered by what is known
    assert result.first_appearance is not None
    assert result.first_appearance.article_id == given.pk
    timeline = claim_timeline(result)
    assert timeline is not None
    assert len(timeline.dots) == 2


def test_with_given_dates_only_nothing_is_marked_inferred() -> None:
    one = ingest("one.txt", f"Ministers meet\n{FACT}.", datetime(2013, 5, 4, tzinfo=UTC))
    two = ingest("two.txt", f"Talks in Doha\n{FACT}, officials said.", datetime(2013, 5, 5, tzinfo=UTC))
    claim = fact_claim(two)
    supported_by(claim, one)

    timeline = claim_timeline(claim_corroboration(claim=claim))

    assert timeline is not None
    assert not timeline.has_inferred
    assert not any(t.day_only for t in timeline.ticks)
