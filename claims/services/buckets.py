"""Writes and reads of the packed band buckets (``MatchBucket``): the copy of ``MatchKey`` rows the lookup reads.

``MatchKey`` rows are the truth: one per (claim, band row), written once when a claim is
indexed. A bucket's members are copied into ``MatchBucket`` parts: each indexing batch
appends one part per bucket it touches, and a bucket with more than ``MAX_PARTS`` parts
(or one whose claims lost their rows) is rebuilt from its ``MatchKey`` rows into one part.

Concurrent writers may leave a member in two parts of one bucket (an append racing a
rebuild); the lookup counts a member once per bucket, and the next rebuild drops the copy.
No interleaving loses a member: a rebuild deletes parts in one statement and reads the
``MatchKey`` rows in a later one, and a batch commits its rows and its parts together."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from django.db import connection, transaction

from claims.matching import postings
from claims.models import MatchBucket, MatchKey

MAX_PARTS = 16  # parts a bucket may have before it is rebuilt: bounds what a lookup reads per bucket


_KEY_BATCH = 300  # bucket keys per statement (three parameters each on SQLite)


BucketKey = tuple[int, int, int]  # (method, band, key)


def _keys_relation(keys: Sequence[BucketKey]) -> tuple[str, list[Any]]:
    """A relation ``k(method, band, key)`` of these bucket keys, as SQL and parameters."""
    if connection.vendor == "postgresql":
        # Three array parameters, whatever the count: binding thousands of placeholders costs more.
        relation = "unnest(%s::int[], %s::int[], %s::bigint[]) AS k(method, band, key)"
        return relation, [[m for m, _, _ in keys], [b for _, b, _ in keys], [k for _, _, k in keys]]
    values = ", ".join(["(%s, %s, %s)"] * len(keys))
    relation = f"(SELECT column1 AS method, column2 AS band, column3 AS key FROM (VALUES {values})) AS k"
    return relation, [x for key in keys for x in key]


def _batches(keys: Iterable[BucketKey]) -> list[list[BucketKey]]:
    ordered = sorted(set(keys))
    return [ordered[lo : lo + _KEY_BATCH] for lo in range(0, len(ordered), _KEY_BATCH)]


def bucket_parts(keys: Iterable[BucketKey]) -> dict[BucketKey, list[bytes]]:
    """The packed parts of each of these buckets (a bucket nobody else has yet has none)."""
    table = MatchBucket._meta.db_table
    out: dict[BucketKey, list[bytes]] = {}
    for batch in _batches(keys):
        relation, params = _keys_relation(batch)
        if connection.vendor == "postgresql":
            # Served by matchbucket_lookup, one index probe per key (LATERAL keeps PostgreSQL from
            # scanning the whole table when it misjudges how many keys the arrays hold).
            sql = f"""SELECT k.method, k.band, k.key, b.members FROM {relation}
                JOIN LATERAL (SELECT p.members FROM {table} p
                              WHERE p.method = k.method AND p.band = k.band AND p.key = k.key) b ON TRUE"""
            connection.ensure_connection()
            # Binary results: megabytes of members would otherwise travel as hex text (half the read time).
            # Wrapped so that a lost connection is Django's DatabaseError, which job tasks retry.
            with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
                cursor.execute(sql, params, binary=True)
                rows = cursor.fetchall()
        else:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""SELECT k.method, k.band, k.key, b.members FROM {relation}
                        JOIN {table} b ON b.method = k.method AND b.band = k.band AND b.key = k.key""",
                    params,
                )
                rows = cursor.fetchall()
        for method, band, key, members in rows:
            out.setdefault((method, band, key), []).append(bytes(members))
    return out


def buckets_append(*, rows: Iterable[tuple[int, int, int, int, int | None, int | None]]) -> int:
    """One new part per bucket for these ``(claim, method, band, key, sketch_hi, sketch_lo)`` rows; returns parts."""
    members: dict[BucketKey, list[tuple[int, int | None, int | None]]] = {}
    for claim, method, band, key, hi, lo in rows:
        members.setdefault((method, band, key), []).append((claim, hi, lo))
    keys = sorted(members)
    if not keys:
        return 0
    if connection.vendor == "postgresql":
        # Five array parameters: an article adds ~2,000 one-member parts, and the ORM's per-value
        # preparation of that many rows costs more than the insert.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {MatchBucket._meta.db_table} (method, band, key, members, size)
                    SELECT * FROM unnest(%s::int[], %s::int[], %s::bigint[], %s::bytea[], %s::int[])""",
                [
                    [m for m, _, _ in keys],
                    [b for _, b, _ in keys],
                    [k for _, _, k in keys],
                    [postings.pack(members[key]) for key in keys],
                    [len(members[key]) for key in keys],
                ],
            )
        return len(keys)
    # SQLite: executemany without model objects (an indexing chunk writes thousands of parts).
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {MatchBucket._meta.db_table} (method, band, key, members, size) VALUES (%s, %s, %s, %s, %s)",
            [(m, b, k, postings.pack(members[(m, b, k)]), len(members[(m, b, k)])) for m, b, k in keys],
        )
    return len(keys)


def _lock() -> None:
    # Rebuilds delete many parts; two at once could lock them in different orders.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('claims.buckets_rebuild'))")


def _insert_packed(cursor: Any, source: str, params: list[Any]) -> int:
    """One part per bucket of the MatchKey rows ``r`` that ``source`` yields, packed by PostgreSQL; returns parts."""
    cursor.execute(
        f"""INSERT INTO {MatchBucket._meta.db_table} (method, band, key, members, size)
            SELECT r.method, r.band, r.key, string_agg({postings.POSTGRES_RECORD}, ''::bytea ORDER BY r.claim_id),
                   COUNT(*)
            FROM {source} GROUP BY r.method, r.band, r.key""",
        params,
    )
    return int(cursor.rowcount)


@transaction.atomic
def buckets_rebuild(*, keys: Iterable[BucketKey]) -> int:
    """Replace the parts of these buckets with one part each made from their MatchKey rows; returns buckets kept."""
    wanted = set(keys)
    if not wanted:
        return 0  # no lock: every indexing batch calls this, mostly with nothing to rebuild
    _lock()
    bucket, key_table = MatchBucket._meta.db_table, MatchKey._meta.db_table
    made = 0
    with connection.cursor() as cursor:
        for batch in _batches(wanted):
            relation, params = _keys_relation(batch)
            cursor.execute(
                f"""DELETE FROM {bucket} WHERE id IN (SELECT p.id FROM {relation}
                    JOIN {bucket} p ON p.method = k.method AND p.band = k.band AND p.key = k.key)""",
                params,
            )
            if connection.vendor == "postgresql":
                # Served by matchkey_lookup (index-only: claim and sketch are included).
                made += _insert_packed(
                    cursor,
                    f"{relation} JOIN {key_table} r ON r.method = k.method AND r.band = k.band AND r.key = k.key",
                    params,
                )
                continue
            cursor.execute(
                f"""SELECT r.claim_id, r.method, r.band, r.key, r.sketch_hi, r.sketch_lo FROM {relation}
                    JOIN {key_table} r ON r.method = k.method AND r.band = k.band AND r.key = k.key""",
                params,
            )
            made += buckets_append(rows=cursor.fetchall())
    return made


def buckets_compact(*, keys: Iterable[BucketKey]) -> int:
    """Rebuild those of these buckets that have more than MAX_PARTS parts; returns how many were rebuilt."""
    table = MatchBucket._meta.db_table
    crowded: list[BucketKey] = []
    with connection.cursor() as cursor:
        for batch in _batches(keys):
            relation, params = _keys_relation(batch)
            cursor.execute(
                f"""SELECT p.method, p.band, p.key FROM {relation}
                    JOIN {table} p ON p.method = k.method AND p.band = k.band AND p.key = k.key
                    GROUP BY p.method, p.band, p.key HAVING COUNT(*) > %s""",
                [*params, MAX_PARTS],
            )
            crowded.extend(cursor.fetchall())
    if crowded:
        buckets_rebuild(keys=crowded)
    return len(crowded)


@transaction.atomic
def buckets_rebuild_all() -> int:
    """Every bucket made again from all MatchKey rows, one part each (after a bulk load); returns buckets."""
    _lock()
    bucket, key_table = MatchBucket._meta.db_table, MatchKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {bucket}")
        if connection.vendor == "postgresql":
            return _insert_packed(cursor, f"{key_table} r", [])
    made = 0
    batch: list[tuple[int, int, int, int, int | None, int | None]] = []
    rows = MatchKey.objects.order_by("method", "band", "key", "claim_id").values_list(
        "claim_id", "method", "band", "key", "sketch_hi", "sketch_lo"
    )
    for row in rows.iterator(chunk_size=20_000):
        # Cut only between buckets, so each bucket gets one part.
        if len(batch) >= 20_000 and batch[-1][1:4] != row[1:4]:
            made += buckets_append(rows=batch)
            batch = []
        batch.append(row)
    return made + buckets_append(rows=batch)
