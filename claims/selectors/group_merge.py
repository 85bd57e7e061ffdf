"""Merge by search-and-pick: claims outside a group that match typed words, with their article, outlet and group.

Its own module: it reads through both claims.selectors.search and the group tables, and search
already depends (through articles) on claims.selectors.groups.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from claims.models import Claim, DuplicateGroup, GroupMember
from claims.selectors import search

MERGE_CANDIDATES_SHOWN = 10
MERGE_QUERY_MAX = 200


@dataclass(frozen=True, slots=True)
class MergeCandidate:
    claim: Claim
    outlet: str
    article_title: str
    group_id: int | None  # the group it is in now; merging it moves the claim alone out of there
    group_size: int  # live claims of that group, 0 when ungrouped


def merge_candidates(*, group: DuplicateGroup, q: str) -> list[MergeCandidate]:
    """Live claims outside ``group`` that match the typed words, newest first, with article, outlet and group.

    A claim matches the whole query as search does it (phrase or a name in any spelling), or every
    word of it on its own, so "refused delegation" finds "refused to receive the delegation".
    Two queries: the claims (with article and outlet joined) and the sizes of their groups.
    """
    words = q.split()[: search.MAX_QUERY_WORDS]
    if not words:
        return []
    every_word = Q()
    for word in words:
        every_word &= search.claims_matching(word)
    claims = list(
        Claim.objects.filter(deleted_at__isnull=True)
        .filter(search.claims_matching(" ".join(words)) | every_word)
        .exclude(group_member__group=group)
        # The body is loaded: an untitled article is shown by its first line (10 rows at most).
        .select_related("article__outlet", "group_member")
        .order_by("-id")[:MERGE_CANDIDATES_SHOWN]
    )
    group_of = {c.pk: _group_id_of(c) for c in claims}
    sizes = dict(
        GroupMember.objects.filter(group_id__in={g for g in group_of.values() if g}, claim__deleted_at__isnull=True)
        .values("group_id")
        .annotate(n=Count("pk"))
        .values_list("group_id", "n")
    )
    return [
        MergeCandidate(
            claim=c,
            outlet=c.article.outlet.name if c.article.outlet else "",
            article_title=c.article.display_title,
            group_id=group_of[c.pk],
            group_size=sizes.get(group_of[c.pk] or 0, 0),
        )
        for c in claims
    ]


def _group_id_of(claim: Claim) -> int | None:
    try:
        return claim.group_member.group_id
    except GroupMember.DoesNotExist:
        return None
