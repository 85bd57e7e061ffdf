"""A person or organisation across the corpus: its spellings, the claims naming or crediting it, and the outlets.

An entity is a spelling-insensitive key (``claims.extraction.entities.fold``): "Ali Bagheri Kani" and
"Ali Baqeri Kani" are one. A claim *credits* it when the claim's attribution (who said it, who reported
it) names it in one of the spellings the claims use for it; otherwise the claim only mentions it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import BooleanField, Case, Count, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast

from claims.models import Claim, ClaimEntity
from sources.models import Outlet

MAX_SPELLINGS = 20  # spellings shown and tried against attributions: beyond it, only misreadings remain


class Role:
    """Which of an entity's claims a list holds."""

    ALL = ""
    CREDITED = "credited"
    NAMED = "named"


@dataclass(frozen=True, slots=True)
class Spelling:
    name: str
    claims: int  # live claims that write it so


@dataclass(frozen=True, slots=True)
class EntityOutlet:
    outlet: Outlet | None  # None: articles with no outlet recorded
    credited: int  # live claims of its articles that credit the entity
    named: int  # live claims of its articles that name it (credited ones included)


def spellings(key: str) -> list[Spelling]:
    """How the live claims write this entity, most used first; empty when no live claim names it."""
    rows = (
        ClaimEntity.objects.filter(key=key, claim__deleted_at__isnull=True)
        .values("name")
        .annotate(n=Count("claim_id"))
        .order_by("-n", "name")[:MAX_SPELLINGS]
    )
    return [Spelling(row["name"], row["n"]) for row in rows]


def _credits(names: list[str]) -> Q:
    """The claim's attribution (as JSON text) names one of ``names``."""
    return reduce(or_, (Q(attribution_text__icontains=name) for name in names), Q(pk__in=[]))


def entity_claims(*, key: str, names: list[str], role: str = Role.ALL) -> QuerySet[Claim]:
    """Live claims naming the entity, annotated ``credited``, newest first; ``role`` keeps credited or named-only."""
    credits = _credits(names)
    claims = (
        Claim.objects.filter(deleted_at__isnull=True, entity_mentions__key=key)
        .annotate(attribution_text=Cast("attribution", TextField()))
        .annotate(credited=Case(When(credits, then=Value(True)), default=Value(False), output_field=BooleanField()))
    )
    if role == Role.CREDITED:
        claims = claims.filter(credits)
    elif role == Role.NAMED:
        claims = claims.exclude(credits)
    return claims.select_related("article__outlet").defer("article__body").order_by("-id")


def role_counts(*, key: str, names: list[str]) -> dict[str, int]:
    """Live claims naming the entity: "all", those crediting it ("credited") and the rest ("named"); one query."""
    counts = (
        Claim.objects.filter(deleted_at__isnull=True, entity_mentions__key=key)
        .annotate(attribution_text=Cast("attribution", TextField()))
        .aggregate(all=Count("pk"), credited=Count("pk", filter=_credits(names)))
    )
    return {"all": counts["all"], "credited": counts["credited"], "named": counts["all"] - counts["credited"]}


def entity_outlets(*, key: str, names: list[str]) -> list[EntityOutlet]:
    """Outlets whose articles' live claims name the entity, those quoting it (crediting it) most first."""
    rows = (
        Claim.objects.filter(deleted_at__isnull=True, entity_mentions__key=key)
        .annotate(attribution_text=Cast("attribution", TextField()))
        .values("article__outlet")
        .annotate(named=Count("pk"), credited=Count("pk", filter=_credits(names)))
        .order_by("-credited", "-named", "article__outlet")
    )
    outlets = Outlet.objects.in_bulk([row["article__outlet"] for row in rows if row["article__outlet"]])
    return [EntityOutlet(outlets.get(row["article__outlet"]), row["credited"], row["named"]) for row in rows]
