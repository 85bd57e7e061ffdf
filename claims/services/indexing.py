"""Phase 1 of matching: store claim vectors and write their band rows (MatchKey) and bucket parts."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection, models, transaction

from claims.matching import scoring
from claims.matching.linking import Item, Matcher
from claims.matching.scoring import TextFeatures
from claims.matching.semantic import MODEL_NAME, MODEL_SHA256, encoder
from claims.models import (
    Claim,
    ClaimVector,
    MatchBucket,
    MatchKey,
)
from claims.services import buckets as bucket_services
from claims.services import sql_fragments
from sources.models import Article

VECTOR_MODEL = f"{MODEL_NAME}@{MODEL_SHA256[:12]}"
KeyRow = tuple[int, int, int, int, int | None, int | None]  # claim, method, band, key, sketch_hi, sketch_lo
# A table is analysed again once this share of its rows is new since PostgreSQL last counted it.
ANALYZE_GROWTH = 0.2


@lru_cache(maxsize=1)
def _matcher() -> Matcher:
    # Hyperplanes and permutations are derived once per process.
    return Matcher()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _unpack_many(raws: Sequence[bytes | memoryview]) -> npt.NDArray[np.float32]:
    """Stored vectors as rows of one matrix, unit length again."""
    if not raws:
        return np.zeros((0, 0), dtype=np.float32)
    matrix = np.frombuffer(b"".join(bytes(r) for r in raws), dtype="<f2").reshape(len(raws), -1).astype(np.float32)
    # float16 storage loses a little length; scoring reads cosine as a dot product.
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def vectors_by_claim(current: Sequence[tuple[int, bytes | memoryview]]) -> dict[int, npt.NDArray[np.float32]]:
    matrix = _unpack_many([raw for _, raw in current])
    return {pk: matrix[n] for n, (pk, _) in enumerate(current)}


def _pack(vector: npt.NDArray[np.float32]) -> bytes:
    return vector.astype("<f2").tobytes()


def _features(claim: Claim, vector: npt.NDArray[np.float32] | None) -> TextFeatures:
    return _features_of(claim.text, claim.entities, claim.quantities, claim.dates, vector)


def _features_of(
    text: str,
    entities: list[Any],
    quantities: list[Any],
    dates: list[Any],
    vector: npt.NDArray[np.float32] | None,
    published_at: datetime | None = None,
) -> TextFeatures:
    return scoring.features(
        text,
        entity_keys=[str(e["key"]) for e in entities if isinstance(e, dict) and e.get("key")],
        quantities=[q for q in quantities if isinstance(q, dict)],
        dates=[d for d in dates if isinstance(d, dict)],
        embedding=vector,
        published_at=published_at,
    )


_CLAIM_FIELDS = ("id", "article_id", "text", "entities", "quantities", "dates")


def live_claims(claim_ids: Iterable[int]) -> list[Claim]:
    return list(Claim.objects.filter(pk__in=set(claim_ids), deleted_at__isnull=True).only(*_CLAIM_FIELDS))


def live_features(claim_ids: set[int], vectors: dict[int, npt.NDArray[np.float32]]) -> dict[int, TextFeatures]:
    """Scoring features of live claims, read as plain values: thousands of candidates per chunk.

    The article's publication time comes along: figures are compared at the date they describe.
    """
    where, params = sql_fragments.id_filter("c.id", sorted(claim_ids))
    columns = ", ".join(f"c.{name}" for name in _CLAIM_FIELDS)
    sql = (
        f"SELECT {columns}, a.published_at FROM {Claim._meta.db_table} c "
        f"JOIN {Article._meta.db_table} a ON a.id = c.article_id WHERE {where} AND c.deleted_at IS NULL"
    )
    with connection.cursor() as cursor:
        # Raw SQL for the array parameter; the JSON columns may come back as text, read here.
        cursor.execute(sql, params)
        return {
            pk: _features_of(
                text, _json(entities), _json(quantities), _json(dates), vectors.get(pk), _datetime(published)
            )
            for pk, _article, text, entities, quantities, dates, published in cursor.fetchall()
        }


def _datetime(value: datetime | str | None) -> datetime | None:
    # SQLite may hand a raw timestamp back as text.
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _stored_vectors(claims: Sequence[Claim]) -> dict[int, npt.NDArray[np.float32]]:
    """Vectors that still encode the claim's current wording with the current model."""
    wanted = {c.pk: text_hash(c.text) for c in claims}
    rows = ClaimVector.objects.filter(claim_id__in=wanted, model=VECTOR_MODEL).values_list(
        "claim_id", "text_hash", "vector"
    )
    return vectors_by_claim([(pk, raw) for pk, digest, raw in rows if wanted[pk] == digest])


@dataclass(frozen=True, slots=True)
class IndexPlan:
    """A chunk's claims and the vectors of those whose wording changed, embedded from reads alone."""

    claims: list[Claim]
    stored: dict[int, npt.NDArray[np.float32]]  # vectors that still encode the claim's wording
    fresh: dict[int, tuple[str, npt.NDArray[np.float32]]]  # claim: (text hash, vector) of the others


def claims_index_plan(*, claim_ids: Sequence[int]) -> IndexPlan:
    """Embed the claims whose wording changed (or never embedded): the slow part of indexing, read-only."""
    claims = live_claims(claim_ids)
    stored = _stored_vectors(claims)
    stale = [c for c in claims if c.pk not in stored]
    fresh: dict[int, tuple[str, npt.NDArray[np.float32]]] = {}
    if stale:
        vectors = encoder().encode([c.text for c in stale])
        fresh = {c.pk: (text_hash(c.text), v) for c, v in zip(stale, vectors, strict=True)}
    return IndexPlan(claims, stored, fresh)


@transaction.atomic
def claims_index_apply(*, plan: IndexPlan) -> int:
    """Store a plan's new vectors and its claims' band-key rows and bucket parts; returns how many were embedded.

    A claim reworded after its plan was made keeps the vector of the wording it was embedded from,
    so the job its edit queued embeds it again.
    """
    claims, vectors = plan.claims, dict(plan.stored)
    stale = [c for c in claims if c.pk in plan.fresh]
    dropped: set[bucket_services.BucketKey] = set()
    if stale:
        ClaimVector.objects.bulk_create(
            [
                ClaimVector(
                    claim_id=c.pk, model=VECTOR_MODEL, text_hash=plan.fresh[c.pk][0], vector=_pack(plan.fresh[c.pk][1])
                )
                for c in stale
            ],
            update_conflicts=True,
            unique_fields=["claim"],
            update_fields=["model", "text_hash", "vector"],
        )
        # A reworded claim's old rows would make candidates of its old wording.
        dropped |= _drop_rows([c.pk for c in stale])
        vectors.update(_stored_vectors(stale))
    todo, unsketched = _unkeyed(claims, vectors)
    dropped |= _drop_rows(sorted(unsketched))
    items = [Item(c.pk, str(c.article_id), _features(c, vectors.get(c.pk))) for c in todo]
    matcher = _matcher()
    rows: list[KeyRow] = [
        (item.id, method, band, key, hi, lo)
        for item, item_rows, (hi, lo) in zip(items, matcher.rows_for(items), matcher.sketches_for(items), strict=True)
        for method, band, key in item_rows
    ]
    _insert_key_rows(rows)
    parts = bucket_services.buckets_append(rows=rows)
    # Buckets that lost members are rebuilt from their remaining rows, so no lookup meets the old wording.
    bucket_services.buckets_rebuild(keys=dropped)
    bucket_services.buckets_compact(keys={(method, band, key) for _, method, band, key, _, _ in rows} - dropped)
    tables_analyze_if_grown(written={ClaimVector: len(stale), MatchKey: len(rows), MatchBucket: parts})
    return len(stale)


@transaction.atomic
def claims_index(*, claim_ids: Sequence[int]) -> int:
    """Embed claims whose wording changed (or never embedded) and store their band-key rows; returns how many."""
    return claims_index_apply(plan=claims_index_plan(claim_ids=claim_ids))


def _insert_key_rows(rows: Sequence[KeyRow]) -> None:
    """Store band rows without model objects: an indexing chunk writes tens of thousands of them."""
    if not rows:
        return
    table = MatchKey._meta.db_table
    columns = "(claim_id, method, band, key, sketch_hi, sketch_lo)"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Six array parameters: one statement, and no per-row parameter handling in Python.
            cursor.execute(
                f"""INSERT INTO {table} {columns}
                    SELECT * FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::bigint[], %s::bigint[], %s::bigint[])
                    ON CONFLICT DO NOTHING""",
                [list(column) for column in zip(*rows, strict=True)],
            )
        else:
            cursor.executemany(f"INSERT OR IGNORE INTO {table} {columns} VALUES (%s, %s, %s, %s, %s, %s)", rows)


def tables_analyze_if_grown(*, written: dict[type[models.Model], int]) -> list[str]:
    """Refresh PostgreSQL's statistics of tables that grew by a large share since they were last counted.

    Freshly filled tables have no statistics, and the planner then picks nested loops that cost
    seconds per query (issue 19 measured 2.97 s instead of 22 ms); autovacuum comes too late for a
    job that fills them itself. Returns the tables analysed.
    """
    if connection.vendor != "postgresql":
        return []
    analysed = []
    with connection.cursor() as cursor:
        for model, count in written.items():
            table = model._meta.db_table
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
            known = float(cursor.fetchone()[0])
            if count and (known < 0 or count > ANALYZE_GROWTH * max(known, 1.0)):
                cursor.execute(f"ANALYZE {table}")
                analysed.append(table)
    return analysed


def _drop_rows(claim_ids: Sequence[int]) -> set[bucket_services.BucketKey]:
    """Delete these claims' band rows; returns the buckets they were in."""
    if not claim_ids:
        return set()
    gone = MatchKey.objects.filter(claim_id__in=claim_ids)
    keys = set(gone.values_list("method", "band", "key"))
    gone.delete()
    return keys


def _unkeyed(claims: Sequence[Claim], vectors: dict[int, npt.NDArray[np.float32]]) -> tuple[list[Claim], set[int]]:
    """Claims to key: those without band rows, and embedded claims whose rows predate the sketch (to be remade)."""
    rows = MatchKey.objects.filter(claim_id__in=[c.pk for c in claims]).values_list("claim_id", "sketch_hi")
    keyed: set[int] = set()
    unsketched: set[int] = set()
    for pk, sketch in rows.distinct():
        keyed.add(pk)
        if sketch is None and pk in vectors:
            unsketched.add(pk)
    return [c for c in claims if c.pk not in keyed or c.pk in unsketched], unsketched
