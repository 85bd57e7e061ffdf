"""A small hand-made corpus for the review desk tests: claims with known priorities, built in milliseconds."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from claims.models import (
    Claim,
    DuplicateGroup,
    Evidence,
    EvidenceMethod,
    GroupMember,
    LinkStrength,
    Stance,
)
from sources.models import Article, Outlet, Sentence

_serial = itertools.count(1)


def claim_in(
    text: str, *, outlet: str | None = "Outlet A", worthiness: float = 0.5, published: datetime | None = None
) -> Claim:
    """A claim of its own one-sentence article (published a month ago unless told)."""
    n = next(_serial)
    article = Article.objects.create(
        outlet=Outlet.objects.get_or_create(name=outlet)[0] if outlet else None,
        title=f"Article {n}",
        published_at=published or timezone.now() - timedelta(days=30),
        body=text,
        content_hash=f"desk-{n}-{text}"[:64],
    )
    Sentence.objects.create(article=article, position=0, start=0, end=len(text), text=text)
    return Claim.objects.create(article=article, text=text, extractor="test", key=f"desk-{n}", worthiness=worthiness)


def claims_in_bulk(n: int, *, prefix: str = "Filler") -> list[Claim]:
    """``n`` plain claims of their own articles in three bulk inserts, worthiness spread over 0-1 so they
    share twenty-one priorities (0-20) and the claim id orders each priority's claims."""
    outlet = Outlet.objects.get_or_create(name="Outlet A")[0]
    published = timezone.now() - timedelta(days=30)
    serials = [next(_serial) for _ in range(n)]
    articles = Article.objects.bulk_create(
        Article(
            outlet=outlet,
            title=f"Article {s}",
            published_at=published,
            body=f"{prefix} claim {s}.",
            content_hash=f"desk-bulk-{s}",
        )
        for s in serials
    )
    Sentence.objects.bulk_create(
        Sentence(article=a, position=0, start=0, end=len(a.body), text=a.body) for a in articles
    )
    return Claim.objects.bulk_create(
        Claim(article=a, text=a.body, extractor="test", key=f"desk-{s}", worthiness=(s * 7 % 21) / 20)
        for s, a in zip(serials, articles, strict=True)
    )


def link(claim: Claim, other: Claim, *, stance: str, method: str, strength: str) -> Evidence:
    sentence = other.article.sentences.get()
    return Evidence.objects.create(
        claim=claim,
        sentence=sentence,
        start=sentence.start,
        end=sentence.end,
        stance=stance,
        method=method,
        score=0.8,
        strength=strength,
        via_claim=other,
    )


def conflict(claim: Claim, other: Claim) -> Evidence:
    return link(claim, other, stance=Stance.CONTRADICTS, method=EvidenceMethod.FIGURE, strength=LinkStrength.AUTO)


def suggestion(claim: Claim, other: Claim) -> Evidence:
    return link(claim, other, stance=Stance.SUPPORTS, method=EvidenceMethod.SEMANTIC, strength=LinkStrength.SUGGESTED)


def group_of(*claims: Claim) -> DuplicateGroup:
    group = DuplicateGroup.objects.create(canonical=claims[0])
    GroupMember.objects.bulk_create([GroupMember(group=group, claim=c) for c in claims])
    return group


@dataclass(frozen=True, slots=True)
class World:
    plain: Claim  # nothing raises it
    worthy: Claim  # check-worthy only
    suggested: Claim  # two undecided suggestions
    conflicting: Claim  # conflicting figures
    canonical: Claim  # a group of three outlets, served for all three
    members: list[Claim]  # the group's other members
    today: Claim  # published an hour ago
    source: Claim  # the report the links point to (worthiness 0: last)


def world() -> World:
    """Claims whose queue order is: conflicting (46), suggested (26), today (21), worthy (18), canonical (16),
    plain (6), source (0)."""
    source = claim_in("The source report says 40 died.", outlet="Outlet Z", worthiness=0.0)
    plain = claim_in("A plain claim nobody flagged.", worthiness=0.3)
    worthy = claim_in("A check-worthy claim.", worthiness=0.9)
    suggested = claim_in("A claim with suggestions.", worthiness=0.3)
    suggestion(suggested, source)
    suggestion(suggested, plain)
    conflicting = claim_in("At least 30 died.", worthiness=0.3)
    conflict(conflicting, source)
    canonical = claim_in("The talks resumed in Doha.", outlet="Outlet B", worthiness=0.3)
    members = [
        claim_in("Talks resumed in Doha.", outlet="Outlet C", worthiness=0.3),
        claim_in("Doha talks resumed.", outlet="Outlet D", worthiness=0.3),
    ]
    group_of(canonical, *members)
    today = claim_in("Reported this morning.", worthiness=0.3, published=timezone.now() - timedelta(hours=1))
    return World(plain, worthy, suggested, conflicting, canonical, members, today, source)
