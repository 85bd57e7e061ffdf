"""Corroboration of a claim: outlets for and against, first appearance, and copies counted once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User

from claims.jobs import ingest as ingest_jobs
from claims.jobs import runner as job_runner
from claims.models import Claim, Evidence, EvidenceDecisionChoice, EvidenceMethod, Job, LinkStrength, Stance
from claims.selectors.corroboration import claim_corroboration
from claims.services import matching as matching_services
from claims.services import reviews as review_services
from sources.models import Article
from sources.text.reading import ArticleDocument
from tests.claims.helpers import HANIYEH, all_claim_ids, ingest_copy, link_as_matcher, seed_claim

pytestmark = pytest.mark.django_db


def publish_seeds() -> dict[str, datetime]:
    """Give the seed articles publication times, a day apart in file order."""
    times = {}
    for n, prefix in enumerate(["004", "002", "001", "003", "000"]):
        times[prefix] = datetime(2024, 6, 1 + n, tzinfo=UTC)
        Article.objects.filter(source_name__contains=f"{prefix}_").update(published_at=times[prefix])
    return times


def ingest(source: str, body: str, outlet: str, published: datetime) -> Article:
    job = ingest_jobs.job_create_ingest(
        documents=[ArticleDocument(source=source, body=body, outlet=outlet, published_at=published)]
    )
    job_runner.job_run(job_id=job.pk)
    return Article.objects.get(source_name=source)


def test_conflicting_tolls_count_the_outlets_against_with_their_publication_times(seed_corpus: Job) -> None:
    times = publish_seeds()
    matching_services.claims_match(claim_ids=all_claim_ids())
    toll = seed_claim("001", "37,945 Palestinians")

    result = claim_corroboration(claim=toll)

    against = [r for r in result.reports if r.stance == Stance.CONTRADICTS]
    automatic = Evidence.objects.filter(
        claim=toll, stance=Stance.CONTRADICTS, strength=LinkStrength.AUTO, withdrawn_at__isnull=True
    )
    assert result.contradicting_outlets == len({e.sentence.article_id for e in automatic})
    assert {r.published_at for r in against} <= set(times.values())
    assert all(r.published_at is not None for r in against)
    published = [r.published_at for r in result.reports if r.published_at is not None]
    assert published == sorted(published)
    assert result.supporting_outlets >= 1
    supporting = [r for r in result.reports if r.stance == Stance.SUPPORTS]
    assert toll.article_id in {r.article_id for r in supporting}  # its own origin counts
    assert result.first_appearance is not None
    assert result.first_appearance.published_at == min(r.published_at for r in supporting if r.published_at)


def test_wire_copies_count_once_and_name_the_article_they_repeat(seed_corpus: Job) -> None:
    publish_seeds()
    original = seed_claim("000", HANIYEH)
    first_copy = ingest_copy("000", "Wire A")
    second_copy = ingest_copy("000", "Wire B")
    matching_services.claims_match(claim_ids=all_claim_ids())

    result = claim_corroboration(claim=original)

    supporting = [r for r in result.reports if r.stance == Stance.SUPPORTS]
    articles = {r.article_id for r in supporting}
    assert {original.article_id, first_copy.pk, second_copy.pk} <= articles
    assert result.supporting_outlets >= 3
    assert result.independent_supporting < result.supporting_outlets
    assert result.first_appearance is not None
    assert result.first_appearance.article_id == original.article_id
    copies = {r.article_id: r.copy_of_article_id for r in supporting}
    assert copies[first_copy.pk] == original.article_id
    assert copies[second_copy.pk] == original.article_id
    assert copies[original.article_id] is None


def confirm_supporting_suggestions(claim: Claim, reviewer: User) -> int:
    """A reviewer confirms the claim's suggested supporting links: paraphrases the matcher does not link alone."""
    pending = claim.evidence.filter(
        stance=Stance.SUPPORTS, strength=LinkStrength.SUGGESTED, decision=EvidenceDecisionChoice.PENDING
    )
    for link in pending:
        review_services.evidence_decide(evidence_id=link.pk, reviewer=reviewer, decision="confirmed")
    return len(pending)


def test_reports_crediting_the_same_agency_count_once(seed_corpus: Job, reviewer: User) -> None:
    day = datetime(2024, 7, 1, tzinfo=UTC)
    ingest(
        "agency-a.txt",
        "Qatar says talks go on.\n\nQatar's prime minister met Iran's foreign minister in Doha to discuss a ceasefire "
        "in Gaza, Reuters reported.",
        "Daily One",
        day,
    )
    ingest(
        "agency-b.txt",
        "Talks in Doha.\n\nQatar's prime minister held a meeting with Iran's foreign minister in Doha about a "
        "ceasefire in Gaza, according to Reuters.",
        "Daily Two",
        day.replace(day=2),
    )
    claims = list(Claim.objects.filter(article__source_name__startswith="agency-", text__icontains="Doha"))
    assert {a["source"] for c in claims for a in c.attribution} == {"Reuters"}
    matching_services.claims_match(claim_ids=[c.pk for c in claims])
    first = next(c for c in claims if c.article.source_name == "agency-a.txt")
    confirm_supporting_suggestions(first, reviewer)

    result = claim_corroboration(claim=first)

    supporting = [r for r in result.reports if r.stance == Stance.SUPPORTS]
    assert len({r.article_id for r in supporting}) == 2
    assert result.supporting_outlets == 2
    assert result.independent_supporting == 1
    later = next(r for r in supporting if r.article_id != first.article_id)
    assert later.copy_of_article_id == first.article_id


def test_several_reports_from_one_outlet_count_as_one_independent_source(seed_corpus: Job, reviewer: User) -> None:
    day = datetime(2024, 7, 1, tzinfo=UTC)
    ingest(
        "outlet-one-a.txt",
        "Doha talks.\n\nQatar's prime minister met Iran's foreign minister in Doha to discuss a ceasefire in Gaza.",
        "Daily One",
        day,
    )
    ingest(
        "outlet-one-b.txt",
        "Diplomacy.\n\nIn Doha, Iran's foreign minister held talks with Qatar's prime minister about a ceasefire "
        "in Gaza.",
        "Daily One",
        day.replace(hour=6),
    )
    ingest(
        "outlet-two.txt",
        "Talks go on.\n\nIran's foreign minister and Qatar's prime minister discussed a Gaza ceasefire at a meeting "
        "in Doha.",
        "Daily Two",
        day.replace(day=2),
    )
    claims = list(Claim.objects.filter(article__source_name__startswith="outlet-", text__icontains="Doha"))
    matching_services.claims_match(claim_ids=[c.pk for c in claims])
    first = next(c for c in claims if c.article.source_name == "outlet-one-a.txt")
    confirm_supporting_suggestions(first, reviewer)

    result = claim_corroboration(claim=first)

    supporting = [r for r in result.reports if r.stance == Stance.SUPPORTS]
    assert len({r.article_id for r in supporting}) == 3
    assert all(r.copy_of_article_id is None for r in supporting)  # three wordings, no copies
    assert result.supporting_outlets == 2
    assert result.independent_supporting == 2
    assert result.unnamed_outlets == 0


MEETING = "Qatar's prime minister met Iran's foreign minister in Doha to discuss a ceasefire in Gaza."
TALKS = "In Doha, Iran's foreign minister held talks with Qatar's prime minister about a ceasefire in Gaza."


def inferred_outlet_claim(reviewer: User, second_outlet: str = "Doha Herald") -> Claim:
    """A claim of an article whose text names its outlet (Gulf Courier), supported by one naming ``second_outlet``."""
    day = datetime(2024, 7, 1, tzinfo=UTC)
    ingest("inferred-a.txt", f"Doha talks.\n\nDOHA (Gulf Courier) – {MEETING}", "", day)
    ingest("inferred-b.txt", f"Diplomacy.\n\nDOHA ({second_outlet}) – {TALKS}", "", day.replace(hour=6))
    claims = list(Claim.objects.filter(article__source_name__startswith="inferred-", text__icontains="Doha"))
    matching_services.claims_match(claim_ids=[c.pk for c in claims])
    first = next(c for c in claims if c.article.source_name == "inferred-a.txt")
    confirm_supporting_suggestions(first, reviewer)
    return first


@pytest.mark.parametrize(
    ("second_outlet", "independent"),
    [("Gulf Courier", 1), ("Doha Herald", 2)],
    ids=["same-inferred-outlet", "different-inferred-outlets"],
)
def test_articles_without_an_outlet_count_by_the_outlet_their_text_names(
    reviewer: User, second_outlet: str, independent: int
) -> None:
    first = inferred_outlet_claim(reviewer, second_outlet)
    articles = Article.objects.filter(source_name__startswith="inferred-")
    assert {a.outlet for a in articles} == {None}
    assert {a.inferred_metadata.outlet.value for a in articles if a.inferred_metadata.outlet} == {
        "Gulf Courier",
        second_outlet,
    }

    result = claim_corroboration(claim=first)

    supporting = [r for r in result.reports if r.stance == Stance.SUPPORTS]
    assert len({r.article_id for r in supporting}) == 2
    assert all(r.copy_of_article_id is None for r in supporting)  # two wordings, no copies
    assert result.independent_supporting == independent
    assert result.supporting_outlets == independent
    assert result.unnamed_outlets == 0  # each names its outlet in its text


def test_a_report_names_the_outlet_its_text_credits_itself_to_and_says_it_was_inferred(reviewer: User) -> None:
    claim = inferred_outlet_claim(reviewer)

    result = claim_corroboration(claim=claim)

    reports = {r.outlet: r for r in result.reports}
    assert set(reports) == {"Gulf Courier", "Doha Herald"}
    assert {r.outlet_source for r in reports.values()} == {"inferred"}
    assert reports["Doha Herald"].outlet_evidence == "Doha Herald"
    assert result.first_appearance is not None
    assert result.first_appearance.outlet_inferred is not None


def test_an_article_without_an_outlet_counts_as_its_own_outlet_and_says_so(seed_corpus: Job) -> None:
    matching_services.claims_match(claim_ids=all_claim_ids())
    toll = seed_claim("001", "37,945 Palestinians")

    result = claim_corroboration(claim=toll)

    articles = {r.article_id for r in result.reports}
    assert result.unnamed_outlets == len(articles)
    assert result.contradicting_outlets == len({r.article_id for r in result.reports if r.stance == Stance.CONTRADICTS})
    supporting = [r for r in result.reports if r.stance == Stance.SUPPORTS]
    # No outlet anywhere: each article is a source, and only copies of an earlier report collapse.
    assert result.independent_supporting == len({r.article_id for r in supporting if r.copy_of_article_id is None})


def test_rejected_and_withdrawn_links_are_left_out(seed_corpus: Job, reviewer: User) -> None:
    matching_services.claims_match(claim_ids=all_claim_ids())
    toll = seed_claim("001", "37,945 Palestinians")
    figures = list(Evidence.objects.filter(claim=toll, method=EvidenceMethod.FIGURE).order_by("id"))
    assert len(figures) >= 2
    before = claim_corroboration(claim=toll)
    review_services.evidence_decide(
        evidence_id=figures[0].pk, reviewer=reviewer, decision=EvidenceDecisionChoice.REJECTED
    )
    Evidence.objects.filter(pk=figures[1].pk).update(withdrawn_at=datetime(2024, 1, 1, tzinfo=UTC))

    after = claim_corroboration(claim=toll)

    shown = {r.evidence_id for r in after.reports + after.suggestions}
    assert figures[0].pk not in shown
    assert figures[1].pk not in shown
    assert len(after.reports + after.suggestions) == len(before.reports + before.suggestions) - 2


def unlinked_claims(claim: Claim, count: int) -> list[Claim]:
    """Claims of other articles whose sentences the claim has no link to yet."""
    linked = claim.evidence.values("sentence")
    others = (
        Claim.objects.exclude(article=claim.article).exclude(spans__sentence__in=linked).filter(spans__isnull=False)
    )
    return list(others.distinct().order_by("id")[:count])


def suggest_link(claim: Claim, other: Claim, stance: str, score: float) -> Evidence:
    """A machine suggestion between the thresholds."""
    return link_as_matcher(
        claim, other, stance=stance, method=EvidenceMethod.SEMANTIC, score=score, strength=LinkStrength.SUGGESTED
    )


def test_suggested_links_are_listed_best_first_and_never_counted(seed_corpus: Job) -> None:
    claim = seed_claim("000", "Hamas refused to send a delegation")
    others = unlinked_claims(claim, 3)
    before = claim_corroboration(claim=claim)
    weak = suggest_link(claim, others[0], Stance.SUPPORTS, 0.64)
    strong = suggest_link(claim, others[1], Stance.SUPPORTS, 0.81)
    against = suggest_link(claim, others[2], Stance.CONTRADICTS, 0.70)

    result = claim_corroboration(claim=claim)

    assert (result.supporting_outlets, result.contradicting_outlets) == (
        before.supporting_outlets,
        before.contradicting_outlets,
    )
    assert [r.evidence_id for r in result.suggestions] == [strong.pk, against.pk, weak.pk]
    assert (result.suggested_supporting, result.suggested_contradicting) == (2, 1)
    assert not {weak.pk, strong.pk, against.pk} & {r.evidence_id for r in result.reports}


def test_a_confirmed_suggestion_counts_and_a_rejected_one_disappears(seed_corpus: Job, reviewer: User) -> None:
    claim = seed_claim("000", "Hamas refused to send a delegation")
    own_outlets = claim_corroboration(claim=claim).supporting_outlets
    first, second = unlinked_claims(claim, 2)
    kept = suggest_link(claim, first, Stance.SUPPORTS, 0.7)
    dropped = suggest_link(claim, second, Stance.SUPPORTS, 0.7)

    review_services.evidence_decide(evidence_id=kept.pk, reviewer=reviewer, decision=EvidenceDecisionChoice.CONFIRMED)
    review_services.evidence_decide(evidence_id=dropped.pk, reviewer=reviewer, decision=EvidenceDecisionChoice.REJECTED)
    result = claim_corroboration(claim=claim)

    assert kept.pk in {r.evidence_id for r in result.reports}
    assert result.supporting_outlets == own_outlets + (first.article_id != claim.article_id)
    assert result.suggestions == []
