"""The one-call matching service: index, link and regroup a set of claims in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from claims.services import indexing as indexing_services
from claims.services import linking as linking_services
from claims.services import regrouping as regrouping_services


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    claims: int
    embedded: int
    links: linking_services.LinkOutcome
    groups: regrouping_services.GroupOutcome


@transaction.atomic
def claims_match(*, claim_ids: list[int]) -> MatchOutcome:
    """Embed, index and link the given claims against the whole corpus, then update their duplicate groups."""
    embedded = indexing_services.claims_index(claim_ids=claim_ids)
    links = linking_services.claims_link(claim_ids=claim_ids)
    groups = regrouping_services.groups_update(claim_ids=claim_ids)
    return MatchOutcome(links.claims, embedded, links, groups)
