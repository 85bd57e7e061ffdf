"""Indexing: band rows written in bulk are the matcher's rows, once each, and fresh tables get statistics."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from claims.matching.linking import Item
from claims.models import Claim, ClaimVector, Job, MatchKey
from claims.services import indexing as indexing_services
from tests.claims.helpers import all_claim_ids

pytestmark = pytest.mark.django_db

Row = tuple[int, int, int, int, int | None, int | None]


def stored_rows() -> Counter[Row]:
    return Counter(MatchKey.objects.values_list("claim_id", "method", "band", "key", "sketch_hi", "sketch_lo"))


def matcher_rows(claim_ids: list[int]) -> Counter[Row]:
    """What the matcher says each claim's band rows are, from its stored vector."""
    claims = Claim.objects.filter(pk__in=claim_ids).order_by("pk")
    vectors = indexing_services.vectors_by_claim(
        list(ClaimVector.objects.filter(claim_id__in=claim_ids).values_list("claim_id", "vector"))
    )
    items = [Item(c.pk, str(c.article_id), indexing_services._features(c, vectors.get(c.pk))) for c in claims]
    matcher = indexing_services._matcher()
    return Counter(
        (item.id, method, band, key, hi, lo)
        for item, rows, (hi, lo) in zip(items, matcher.rows_for(items), matcher.sketches_for(items), strict=True)
        for method, band, key in rows
    )


def reltuples(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return float(cursor.fetchone()[0])


def test_the_band_rows_written_in_bulk_are_exactly_the_matchers_rows(seed_corpus: Job) -> None:
    ids = all_claim_ids()

    indexing_services.claims_index(claim_ids=ids)

    assert stored_rows() == matcher_rows(ids)
    assert max(stored_rows().values()) == 1


def test_indexing_the_same_claims_again_writes_no_second_row(seed_corpus: Job) -> None:
    ids = all_claim_ids()
    indexing_services.claims_index(claim_ids=ids)
    before = stored_rows()

    indexing_services.claims_index(claim_ids=ids)

    assert stored_rows() == before


def test_a_table_that_grew_past_its_statistics_is_analysed_and_a_small_addition_is_not(seed_corpus: Job) -> None:
    table = MatchKey._meta.db_table
    with connection.cursor() as cursor:
        # As a freshly made table is: never counted by ANALYZE or autovacuum.
        cursor.execute("UPDATE pg_class SET reltuples = -1 WHERE oid = %s::regclass", [table])

    indexing_services.claims_index(claim_ids=all_claim_ids())

    counted = reltuples(table)
    assert counted >= MatchKey.objects.count() * 0.9
    assert indexing_services.tables_analyze_if_grown(written={MatchKey: int(counted * 0.05)}) == []
    assert indexing_services.tables_analyze_if_grown(written={MatchKey: int(counted)}) == [table]
