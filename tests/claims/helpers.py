"""Seed-corpus helpers shared by the claim tests: picking claims and writing links as the matcher does."""

from __future__ import annotations

from datetime import UTC, datetime

from claims.jobs import ingest as ingest_jobs
from claims.jobs import runner as job_runner
from claims.models import Claim, Evidence, EvidenceMethod, LinkStrength, Stance
from sources.models import Article, Sentence, SentenceKind
from sources.text.reading import ArticleDocument
from tests.conftest import SEED_DIR


def claims_from_different_articles(count: int) -> list[Claim]:
    """The first live claim of each of ``count`` articles."""
    picked: dict[int, Claim] = {}
    for claim in Claim.objects.filter(deleted_at__isnull=True).order_by("id"):
        picked.setdefault(claim.article_id, claim)
    claims = list(picked.values())[:count]
    assert len(claims) == count
    return claims


def death_toll_claims() -> list[Claim]:
    """Claims that count people killed, one per distinct figure (a claim stating two tolls comes twice)."""
    by_value: dict[float, Claim] = {}
    for claim in Claim.objects.filter(deleted_at__isnull=True).order_by("id"):
        for q in claim.quantities:
            if q.get("event") == "killed" and q.get("value"):
                by_value.setdefault(float(q["value"]), claim)
    return list(by_value.values())


def link_as_matcher(
    claim: Claim, other: Claim, *, stance: str, method: str, score: float, strength: str = LinkStrength.AUTO
) -> Evidence:
    """A link as the matcher writes it: to the sentence of ``other``'s first span, via ``other``."""
    span = other.spans.select_related("sentence").order_by("id").first()
    assert span is not None
    return Evidence.objects.create(
        claim=claim,
        sentence=span.sentence,
        start=span.start,
        end=span.end,
        stance=stance,
        method=method,
        score=score,
        strength=strength,
        via_claim=other,
    )


def link_conflicting_figure(claim: Claim, other: Claim) -> Evidence:
    """A figure link as the matcher writes it: the other claim's sentence states the same count differently."""
    return link_as_matcher(claim, other, stance=Stance.CONTRADICTS, method=EvidenceMethod.FIGURE, score=0.81)


# Long enough to be linked automatically (claims of fewer than five content words are only suggested).
HANIYEH = "political Chief Ismail Haniyeh"
MACHINE = [EvidenceMethod.LEXICAL, EvidenceMethod.SEMANTIC, EvidenceMethod.FIGURE]


def seed_claim(prefix: str, words: str) -> Claim:
    claims = Claim.objects.filter(
        article__source_name__contains=f"{prefix}_", text__icontains=words, deleted_at__isnull=True
    )
    claim = claims.order_by("id").first()
    assert claim is not None, words
    return claim


def all_claim_ids() -> list[int]:
    return list(Claim.objects.filter(deleted_at__isnull=True).values_list("pk", flat=True))


def machine_links() -> list[tuple[object, ...]]:
    return list(
        Evidence.objects.filter(method__in=MACHINE)
        .order_by("claim_id", "sentence_id", "start", "end")
        .values_list(
            "id", "claim_id", "sentence_id", "start", "end", "method", "stance", "score", "strength", "via_claim_id",
            "decision", "withdrawn_at", "details",
        )
    )  # fmt: skip


def ingest_copy(prefix: str, outlet: str) -> Article:
    """A wire copy of a seed article under another outlet: its claims are near-duplicates of the seed's."""
    path = next(SEED_DIR.glob(f"{prefix}_*.txt"))
    body = path.read_text(encoding="utf-8")
    document = ArticleDocument(
        source=f"copy-of-{prefix}-{outlet}.txt",
        body=body + f"\nRepublished by {outlet}.",
        outlet=outlet,
        published_at=datetime(2024, 8, 20, tzinfo=UTC),
    )
    job = ingest_jobs.job_create_ingest(documents=[document])
    job_runner.job_run(job_id=job.pk)
    return Article.objects.get(source_name=f"copy-of-{prefix}-{outlet}.txt")


def suggestions(claim: Claim, count: int) -> list[Evidence]:
    """``count`` pending suggested links of ``claim``, one per body sentence of other articles."""
    sentences = Sentence.objects.filter(kind=SentenceKind.BODY).exclude(article=claim.article).order_by("id")
    made = []
    for sentence in sentences:
        if Evidence.objects.filter(claim=claim, sentence=sentence).exists():
            continue
        made.append(
            Evidence.objects.create(
                claim=claim,
                sentence=sentence,
                start=sentence.start,
                end=sentence.end,
                stance=Stance.SUPPORTS,
                method=EvidenceMethod.SEMANTIC,
                score=0.6,
                strength=LinkStrength.SUGGESTED,
            )
        )
        if len(made) == count:
            return made
    raise AssertionError("not enough sentences")


def same_fact_partners(claim: Claim) -> dict[int, float]:
    """The claims behind the claim's supporting links that say the same fact (``MatchDecision.same_fact``)."""
    best: dict[int, float] = {}
    for pk, score, details in Evidence.objects.filter(
        claim=claim, stance=Stance.SUPPORTS, method__in=[EvidenceMethod.SEMANTIC, EvidenceMethod.LEXICAL]
    ).values_list("via_claim_id", "score", "details"):
        if pk is not None and (details or {}).get("threshold", {}).get("same_fact", True) is not False:
            best[pk] = max(best.get(pk, 0.0), score or 0.0)
    return best


def most_restated_claim() -> Claim:
    """The claim most other articles restate (the most same-fact partners; the lowest id of a tie)."""
    return max(Claim.objects.order_by("id"), key=lambda c: (len(same_fact_partners(c)), -c.pk))
