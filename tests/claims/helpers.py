"""Seed-corpus helpers shared by the claim tests: picking claims and writing links as the matcher does."""

from __future__ import annotations

from claims.models import Claim, Evidence, EvidenceMethod, LinkStrength, Stance


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


def link_conflicting_figure(claim: Claim, other: Claim) -> Evidence:
    """A figure link as the matcher writes it: the other claim's sentence states the same count differently."""
    span = other.spans.select_related("sentence").first()
    assert span is not None
    return Evidence.objects.create(
        claim=claim,
        sentence=span.sentence,
        start=span.start,
        end=span.end,
        stance=Stance.CONTRADICTS,
        method=EvidenceMethod.FIGURE,
        score=0.81,
        strength=LinkStrength.AUTO,
        via_claim=other,
    )
