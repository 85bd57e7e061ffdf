"""Writes for matching: claim vectors and band keys, provenance links between articles, duplicate groups, jobs.

The pure pipeline lives in ``claims.matching`` (no Django); this module stores its inputs
(``ClaimVector``, ``MatchKey``) and its outputs (``Evidence`` rows of method lexical,
semantic or figure; ``GroupMember`` rows). Candidates are looked up through the
``(method, band, key)`` index, never by comparing all pairs.

Reviewers win over machines: an evidence row a reviewer confirmed or rejected, or one of
method origin or manual, is never modified here (the upsert's ``WHERE`` says so, in the same
statement that writes, so no race with a reviewer can slip through); a machine link that is
no longer found is withdrawn (hidden), never deleted. Group members a reviewer placed are
pinned and never moved.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims import bucket_services, services
from claims.matching import postings, scoring
from claims.matching.linking import METHOD_IDS, Item, Matcher, UnionFind
from claims.matching.scoring import MatchDecision, TextFeatures
from claims.matching.semantic import MODEL_NAME, MODEL_SHA256, encoder
from claims.models import (
    Claim,
    ClaimSpan,
    ClaimVector,
    DuplicateGroup,
    Evidence,
    EvidenceDecisionChoice,
    EvidenceMethod,
    GroupMember,
    ItemState,
    Job,
    JobItem,
    JobKind,
    JobState,
    LinkStrength,
    MatchKey,
    Stance,
)

logger = logging.getLogger(__name__)

VECTOR_MODEL = f"{MODEL_NAME}@{MODEL_SHA256[:12]}"
CHUNK_SIZE = 500  # claims per job item: one transaction each, a few seconds of work
MAX_CANDIDATES = 200  # per claim, the band-sharing partners with the closest sketches; bounds work on huge buckets
PARALLEL_MESSAGES = 4  # job messages sent at once: that many workers can share the chunks
MACHINE_METHODS = (EvidenceMethod.LEXICAL, EvidenceMethod.SEMANTIC, EvidenceMethod.FIGURE)
GROUPING_METHODS = (EvidenceMethod.LEXICAL, EvidenceMethod.SEMANTIC)
_PHASE_INDEX, _PHASE_LINK = "index", "link"
_BARRIER_POLL_SECONDS = 0.5
_UPSERT_BATCH = 500
_LATEST = datetime.max.replace(tzinfo=UTC)  # unknown publication times sort last


@dataclass(frozen=True, slots=True)
class GroupOutcome:
    claims_seen: int
    groups_created: int
    groups_changed: int
    members_moved: int
    members_removed: int


@dataclass(frozen=True, slots=True)
class LinkOutcome:
    claims: int
    candidate_pairs: int
    linked_pairs: int
    rows_written: int
    withdrawn: int


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    claims: int
    embedded: int
    links: LinkOutcome
    groups: GroupOutcome


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


def _vectors_by_claim(current: Sequence[tuple[int, bytes | memoryview]]) -> dict[int, npt.NDArray[np.float32]]:
    matrix = _unpack_many([raw for _, raw in current])
    return {pk: matrix[n] for n, (pk, _) in enumerate(current)}


def _pack(vector: npt.NDArray[np.float32]) -> bytes:
    return vector.astype("<f2").tobytes()


def _features(claim: Claim, vector: npt.NDArray[np.float32] | None) -> TextFeatures:
    return _features_of(claim.text, claim.entities, claim.quantities, claim.dates, vector)


def _features_of(
    text: str, entities: list[Any], quantities: list[Any], dates: list[Any], vector: npt.NDArray[np.float32] | None
) -> TextFeatures:
    return scoring.features(
        text,
        entity_keys=[str(e["key"]) for e in entities if isinstance(e, dict) and e.get("key")],
        quantities=[q for q in quantities if isinstance(q, dict)],
        dates=[d for d in dates if isinstance(d, dict)],
        embedding=vector,
    )


_CLAIM_FIELDS = ("id", "article_id", "text", "entities", "quantities", "dates")


def _live_claims(claim_ids: Iterable[int]) -> list[Claim]:
    return list(Claim.objects.filter(pk__in=set(claim_ids), deleted_at__isnull=True).only(*_CLAIM_FIELDS))


def _live_features(claim_ids: set[int], vectors: dict[int, npt.NDArray[np.float32]]) -> dict[int, TextFeatures]:
    """Scoring features of live claims, read as plain values: thousands of candidates per chunk."""
    where, params = _id_filter("id", sorted(claim_ids))
    sql = f"SELECT {', '.join(_CLAIM_FIELDS)} FROM {Claim._meta.db_table} WHERE {where} AND deleted_at IS NULL"
    with connection.cursor() as cursor:
        # Raw SQL for the array parameter; the JSON columns may come back as text, read here.
        cursor.execute(sql, params)
        return {
            pk: _features_of(text, _json(entities), _json(quantities), _json(dates), vectors.get(pk))
            for pk, _article, text, entities, quantities, dates in cursor.fetchall()
        }


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _stored_vectors(claims: Sequence[Claim]) -> dict[int, npt.NDArray[np.float32]]:
    """Vectors that still encode the claim's current wording with the current model."""
    wanted = {c.pk: text_hash(c.text) for c in claims}
    rows = ClaimVector.objects.filter(claim_id__in=wanted, model=VECTOR_MODEL).values_list(
        "claim_id", "text_hash", "vector"
    )
    return _vectors_by_claim([(pk, raw) for pk, digest, raw in rows if wanted[pk] == digest])


# --- phase 1: vectors and band keys ---------------------------------------------------------


@transaction.atomic
def claims_index(*, claim_ids: Sequence[int]) -> int:
    """Embed claims whose wording changed (or never embedded) and store their band-key rows; returns how many."""
    claims = _live_claims(claim_ids)
    vectors = _stored_vectors(claims)
    stale = [c for c in claims if c.pk not in vectors]
    dropped: set[bucket_services.BucketKey] = set()
    if stale:
        fresh = encoder().encode([c.text for c in stale])
        ClaimVector.objects.bulk_create(
            [
                ClaimVector(claim_id=c.pk, model=VECTOR_MODEL, text_hash=text_hash(c.text), vector=_pack(v))
                for c, v in zip(stale, fresh, strict=True)
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
    rows = [
        MatchKey(claim_id=item.id, method=method, band=band, key=key, sketch_hi=hi, sketch_lo=lo)
        for item, item_rows, (hi, lo) in zip(items, matcher.rows_for(items), matcher.sketches_for(items), strict=True)
        for method, band, key in item_rows
    ]
    MatchKey.objects.bulk_create(rows, ignore_conflicts=True, batch_size=5000)
    bucket_services.buckets_append(rows=((r.claim_id, r.method, r.band, r.key, r.sketch_hi, r.sketch_lo) for r in rows))
    # Buckets that lost members are rebuilt from their remaining rows, so no lookup meets the old wording.
    bucket_services.buckets_rebuild(keys=dropped)
    bucket_services.buckets_compact(keys={(r.method, r.band, r.key) for r in rows} - dropped)
    return len(stale)


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


# --- phase 2: candidates, scoring, evidence ---------------------------------------------------


def _marks(values: Sequence[int]) -> str:
    return ", ".join(["%s"] * len(values))


def _id_filter(column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """``column`` among ``ids`` as SQL and parameters: one array parameter on PostgreSQL, a list elsewhere."""
    if connection.vendor == "postgresql":
        # Thousands of separate placeholders cost more to bind than the query takes to run.
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({_marks(ids)})", list(ids)


_LOOKUP_BATCH = 50  # claims whose buckets are read at once: bounds memory (a claim's buckets hold ~15,000 at 1M)


def _candidate_pairs(claim_ids: Sequence[int]) -> dict[tuple[int, int], set[str]]:
    """Pairs (lower id, higher id) of live claims of different articles sharing a band row with a given claim.

    Each given claim keeps its ``MAX_CANDIDATES`` partners with the closest embedding sketches,
    then sharing the most rows, then lower id first (``postings.top_partners``). The members of
    its buckets are read packed (``MatchBucket``), one row per bucket part: read as one index
    entry per member, the ~15,000 members a claim's buckets hold at a million claims cost the
    database about a microsecond each.
    """
    articles = dict(Claim.objects.filter(pk__in=claim_ids).values_list("pk", "article_id"))
    mates: dict[int, list[int]] = {}
    for article, pk in Claim.objects.filter(article_id__in=set(articles.values())).values_list("article_id", "pk"):
        mates.setdefault(article, []).append(pk)
    # Served by the partial index claim_deleted.
    deleted = np.array(list(Claim.objects.filter(deleted_at__isnull=False).values_list("pk", flat=True)), np.int64)
    names = {v: name for name, v in METHOD_IDS.items()}
    pairs: dict[tuple[int, int], set[str]] = {}
    ordered = sorted(articles)
    for lo in range(0, len(ordered), _LOOKUP_BATCH):
        batch = ordered[lo : lo + _LOOKUP_BATCH]
        own: dict[int, list[tuple[int, int, int]]] = {}
        sketch: dict[int, tuple[int, int] | None] = {}
        rows = MatchKey.objects.filter(claim_id__in=batch).values_list(
            "claim_id", "method", "band", "key", "sketch_hi", "sketch_lo"
        )
        for pk, method, band, key, hi, lo_word in rows.order_by("claim_id", "method", "band", "key"):
            own.setdefault(pk, []).append((method, band, key))
            sketch[pk] = None if hi is None or lo_word is None else (hi, lo_word)
        parts = bucket_services.bucket_parts(k for keys in own.values() for k in keys)
        for a in batch:
            if a not in own:
                continue
            exclude = np.concatenate([deleted, np.array(mates[articles[a]], dtype=np.int64)])
            buckets = [(m, parts.get((m, b, k), [])) for m, b, k in own[a]]
            for partner in postings.top_partners(sketch[a], buckets, exclude, MAX_CANDIDATES):
                b = partner.claim
                pairs.setdefault((min(a, b), max(a, b)), set()).update(names[m] for m in partner.kinds)
    return pairs


def _sharing_rows(pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these pairs (lower id first) still share a band row."""
    wanted = sorted(set(pairs))
    key = MatchKey._meta.db_table
    out: set[tuple[int, int]] = set()
    with connection.cursor() as cursor:
        for lo in range(0, len(wanted), _UPSERT_BATCH):
            batch = wanted[lo : lo + _UPSERT_BATCH]
            tuples = ", ".join(["(%s, %s)"] * len(batch))
            # Served by matchkey_unique (claim first) for a, matchkey_lookup for b.
            sql = f"""
                SELECT DISTINCT a.claim_id, b.claim_id FROM {key} a
                JOIN {key} b ON b.method = a.method AND b.band = a.band AND b.key = a.key
                WHERE (a.claim_id, b.claim_id) IN (VALUES {tuples})
            """
            cursor.execute(sql, [x for pair in batch for x in pair])
            out.update((a, b) for a, b in cursor.fetchall())
    return out


def _claim_spans(claim_ids: Iterable[int]) -> dict[int, tuple[int, int, int]]:
    """Each claim's span as evidence for others: its first sentence, first to last character it covers there."""
    out: dict[int, tuple[int, int, int]] = {}
    where, params = _id_filter("claim_id", sorted(set(claim_ids)))
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT claim_id, sentence_id, start, "end" FROM {ClaimSpan._meta.db_table} WHERE {where} '
            "ORDER BY claim_id, sentence_id, start",
            params,
        )
        rows = cursor.fetchall()
    for claim_id, sentence_id, start, end in rows:
        current = out.get(claim_id)
        if current is None:
            out[claim_id] = (sentence_id, start, end)
        elif current[0] == sentence_id:
            out[claim_id] = (sentence_id, min(current[1], start), max(current[2], end))
    return out


@dataclass(frozen=True, slots=True)
class _Row:
    claim_id: int
    sentence_id: int
    start: int
    end: int
    via_claim_id: int
    decision: MatchDecision
    details: dict[str, Any]

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (self.claim_id, self.sentence_id, self.start, self.end)

    @property
    def rank(self) -> tuple[int, float, int]:
        # Two claims of one article can share a span: the stronger link keeps the row, the lower id on ties.
        return (int(self.decision.decision == "auto"), self.decision.score, -self.via_claim_id)


def _rows_for_pair(
    a: int, b: int, decision: MatchDecision, via: set[str], spans: dict[int, tuple[int, int, int]]
) -> list[_Row]:
    # decision.as_dict() deep-copies; its parts are already JSON-ready and never mutated here.
    details = {
        "method": decision.method,
        "decision": decision.decision,
        "stance": decision.stance,
        "score": decision.score,
        "threshold": decision.threshold,
        "signals": decision.signals,
        "reasons": decision.reasons,
        "version": decision.version,
        "pair": {"a": a, "b": b},
        "candidates_via": sorted(via),
    }
    rows = []
    for owner, other in ((a, b), (b, a)):
        span = spans.get(other)
        if span is not None:
            rows.append(_Row(owner, span[0], span[1], span[2], other, decision, details))
    return rows


def _current_vectors(claim_ids: set[int]) -> dict[int, npt.NDArray[np.float32]]:
    """Vectors of live claims that still encode their current wording (no claim rows loaded)."""
    if not claim_ids:
        return {}
    vector, claim = ClaimVector._meta.db_table, Claim._meta.db_table
    where, params = _id_filter("v.claim_id", sorted(claim_ids))
    if connection.vendor == "postgresql":
        # The wording check in the database: thousands of candidate texts need not travel to be hashed.
        current = "v.text_hash = encode(sha256(convert_to(c.text, 'UTF8')), 'hex')"
        columns = "v.claim_id, v.vector"
    else:
        current, columns = "TRUE", "v.claim_id, v.vector, v.text_hash, c.text"
    # Raw SQL for the array parameter: candidates bring thousands of ids per chunk.
    sql = f"""
        SELECT {columns} FROM {vector} v JOIN {claim} c ON c.id = v.claim_id
        WHERE {where} AND v.model = %s AND c.deleted_at IS NULL AND {current}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, VECTOR_MODEL])
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return _vectors_by_claim(rows)
    return _vectors_by_claim([(pk, raw) for pk, raw, digest, text in rows if digest == text_hash(text)])


def _worth_scoring(pairs: list[tuple[int, int]], vectors: dict[int, npt.NDArray[np.float32]]) -> list[tuple[int, int]]:
    """Drop pairs whose cosine is below every embedding method's lower threshold: ``compare`` could not link them.

    With both vectors at hand the score is the cosine less a penalty (rounded to 4 places, hence
    the margin), so this is exact, and it spares the full comparison for most band-row
    candidates, which are unrelated texts.
    """
    floor = min(scoring.THRESHOLDS[m].lower for m in ("semantic", "figure"))
    both = [(a, b) for a, b in pairs if a in vectors and b in vectors]
    kept = [(a, b) for a, b in pairs if a not in vectors or b not in vectors]
    if both:
        row = {pk: n for n, pk in enumerate(vectors)}
        matrix = np.stack(list(vectors.values()))
        left = np.array([row[a] for a, _ in both])
        right = np.array([row[b] for _, b in both])
        cosines = np.einsum("ij,ij->i", matrix[left], matrix[right])
        kept.extend(pair for pair, cosine in zip(both, cosines.tolist(), strict=True) if cosine >= floor - 1e-4)
    return sorted(kept)


def _score(
    pairs: dict[tuple[int, int], set[str]],
) -> tuple[list[_Row], int]:
    vectors = _current_vectors({x for pair in pairs for x in pair})
    todo = _worth_scoring(list(pairs), vectors)
    features = _live_features({x for pair in todo for x in pair}, vectors)
    todo = [(a, b) for a, b in todo if a in features and b in features]
    needed = {x for pair in todo for x in pair}
    spans = _claim_spans(needed)
    best: dict[tuple[int, int, int, int], _Row] = {}
    linked = 0
    for a, b in todo:
        decision = scoring.compare(features[a], features[b])
        if not decision.linked or decision.method not in MACHINE_METHODS:
            continue
        linked += 1
        for row in _rows_for_pair(a, b, decision, pairs[(a, b)], spans):
            if row.key not in best or row.rank > best[row.key].rank:
                best[row.key] = row
    return [best[k] for k in sorted(best)], linked


_UPSERT_COLUMNS = (
    'claim_id, sentence_id, start, "end", stance, method, score, details, decision, strength, via_claim_id, '
    "withdrawn_at, created_at"
)
# The per-row columns as jsonb_to_recordset reads them (PostgreSQL).
_UPSERT_RECORD = (
    'claim_id bigint, sentence_id bigint, start integer, "end" integer, stance text, method text, score float8, '
    "details integer, decision text, strength text, via_claim_id bigint"
)


def _upsert_sql(count: int) -> str:
    """The upsert of ``count`` rows as VALUES; 0: of the rows of one JSON array parameter (PostgreSQL)."""
    table = Evidence._meta.db_table
    if count:
        rows = "VALUES " + ", ".join(["(" + ", ".join(["%s"] * 13) + ")"] * count)
    else:
        # Three parameters whatever the batch: psycopg parses and quotes parameters in Python, and with
        # thousands of placeholders (or an array of JSON texts) that cost more than the insert itself.
        # The two rows of a pair share one details object, sent once and picked by position.
        rows = f"""SELECT r.claim_id, r.sentence_id, r.start, r."end", r.stance, r.method, r.score,
            %s::jsonb -> r.details, r.decision, r.strength, r.via_claim_id, NULL::timestamptz, %s::timestamptz
            FROM jsonb_to_recordset(%s::jsonb) AS r({_UPSERT_RECORD})"""
    machine = ", ".join(f"'{m}'" for m in MACHINE_METHODS)
    # The WHERE is the reviewers' guarantee: decided rows and origin/manual rows are never touched.
    return f"""
        INSERT INTO {table} ({_UPSERT_COLUMNS}) {rows}
        ON CONFLICT (claim_id, sentence_id, start, "end") DO UPDATE SET
            stance = excluded.stance, method = excluded.method, score = excluded.score,
            details = excluded.details, strength = excluded.strength, via_claim_id = excluded.via_claim_id,
            withdrawn_at = NULL
        WHERE {table}.decision = '{EvidenceDecisionChoice.PENDING}' AND {table}.method IN ({machine})
    """


def _upsert_values(row: _Row) -> dict[str, Any]:
    strength = LinkStrength.AUTO if row.decision.decision == "auto" else LinkStrength.SUGGESTED
    return {
        "claim_id": row.claim_id,
        "sentence_id": row.sentence_id,
        "start": row.start,
        "end": row.end,
        "stance": row.decision.stance,
        "method": row.decision.method,
        "score": row.decision.score,
        "details": row.details,
        "decision": EvidenceDecisionChoice.PENDING.value,
        "strength": strength.value,
        "via_claim_id": row.via_claim_id,
    }


def _upsert(rows: Sequence[_Row]) -> None:
    details_field = Evidence._meta.get_field("details")
    created_field = Evidence._meta.get_field("created_at")
    now = created_field.get_db_prep_value(timezone.now(), connection)
    with connection.cursor() as cursor:
        for lo in range(0, len(rows), _UPSERT_BATCH):
            batch = rows[lo : lo + _UPSERT_BATCH]
            values = [_upsert_values(row) for row in batch]
            if connection.vendor == "postgresql":
                details: list[dict[str, Any]] = []
                position: dict[int, int] = {}  # by identity: both rows of a pair hold the same object
                for row, v in zip(batch, values, strict=True):
                    if id(row.details) not in position:
                        position[id(row.details)] = len(details)
                        details.append(row.details)
                    v["details"] = position[id(row.details)]
                cursor.execute(_upsert_sql(0), [json.dumps(details), now, json.dumps(values)])
                continue
            params: list[Any] = []
            for v in values:
                v["details"] = details_field.get_db_prep_value(v["details"], connection)
                params += [*v.values(), None, now]
            cursor.execute(_upsert_sql(len(values)), params)


def _withdraw_missing(
    claim_ids: Sequence[int], found: set[tuple[int, int, int, int]], scored: set[tuple[int, int]]
) -> int:
    """Hide undecided machine links of these claims (either side) that this run no longer finds.

    Withdrawn: links of pairs scored here and not linked, of pairs that share no band row any
    more, and of deleted claims. A pair that still shares a row but fell beyond one claim's
    candidate cap may be kept by the other claim's run: it is left as it is, so chunk order
    never matters.
    """
    ids = list(claim_ids)
    missing = [
        (pk, via, claim)
        for pk, via, claim, *key in Evidence.objects.filter(
            Q(claim_id__in=ids) | Q(via_claim_id__in=ids),
            method__in=MACHINE_METHODS,
            decision=EvidenceDecisionChoice.PENDING,
            withdrawn_at__isnull=True,
        ).values_list("pk", "via_claim_id", "claim_id", "claim_id", "sentence_id", "start", "end")
        if tuple(key) not in found
    ]
    pairs = {pk: (min(claim, via), max(claim, via)) for pk, via, claim in missing if via is not None}
    undecided = {pair for pair in pairs.values() if pair not in scored}
    sharing = _sharing_rows(undecided)
    live = set(
        Claim.objects.filter(pk__in={x for pair in undecided for x in pair}, deleted_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    kept = {pair for pair in undecided & sharing if pair[0] in live and pair[1] in live}
    stale = [pk for pk, _, _ in missing if pairs.get(pk) not in kept]
    return Evidence.objects.filter(pk__in=sorted(stale), decision=EvidenceDecisionChoice.PENDING).update(
        withdrawn_at=timezone.now()
    )


@transaction.atomic
def claims_link(*, claim_ids: Sequence[int]) -> LinkOutcome:
    """Link claims (already indexed) to the claims of other articles they share band rows with, both directions."""
    live = sorted(c.pk for c in _live_claims(claim_ids))
    pairs = _candidate_pairs(live)
    rows, linked = _score(pairs)
    _upsert(rows)
    withdrawn = _withdraw_missing(live, {r.key for r in rows}, set(pairs))
    return LinkOutcome(len(live), len(pairs), linked, len(rows), withdrawn)


# --- duplicate groups -------------------------------------------------------------------------


def _grouping_links() -> Any:
    return (
        Evidence.objects.filter(
            strength=LinkStrength.AUTO,
            stance=Stance.SUPPORTS,
            method__in=GROUPING_METHODS,
            withdrawn_at__isnull=True,
            via_claim__isnull=False,
            claim__deleted_at__isnull=True,
            via_claim__deleted_at__isnull=True,
        )
        .exclude(decision=EvidenceDecisionChoice.REJECTED)
        .values_list("claim_id", "via_claim_id")
    )


def _vetoed(nodes: set[int] | None) -> set[tuple[int, int]]:
    """Pairs a reviewer rejected in either direction never join a group."""
    rows = Evidence.objects.filter(decision=EvidenceDecisionChoice.REJECTED, via_claim__isnull=False)
    if nodes is not None:
        rows = rows.filter(Q(claim_id__in=nodes) | Q(via_claim_id__in=nodes))
    return {(min(a, b), max(a, b)) for a, b in rows.values_list("claim_id", "via_claim_id")}


def _component(seeds: set[int]) -> tuple[set[int], set[tuple[int, int]]]:
    """Claims reachable from the seeds by grouping links or shared groups, and the links among them."""
    nodes: set[int] = set()
    edges: set[tuple[int, int]] = set()
    frontier = set(seeds)
    while frontier:
        nodes |= frontier
        groups = GroupMember.objects.filter(claim_id__in=frontier).values("group_id")
        mates = set(GroupMember.objects.filter(group_id__in=groups).values_list("claim_id", flat=True))
        links = set(_grouping_links().filter(Q(claim_id__in=frontier) | Q(via_claim_id__in=frontier)))
        edges |= {(min(a, b), max(a, b)) for a, b in links}
        frontier = ({x for pair in links for x in pair} | mates) - nodes
    return nodes, edges


def _everything() -> tuple[set[int], set[tuple[int, int]]]:
    edges = {(min(a, b), max(a, b)) for a, b in _grouping_links()}
    nodes = {x for pair in edges for x in pair} | set(GroupMember.objects.values_list("claim_id", flat=True))
    return nodes, edges


@dataclass(slots=True)
class _Plan:
    """Where each unpinned claim should be: an existing group id, a new group (negative id), or none."""

    target: dict[int, int | None]
    new_groups: dict[int, list[int]]


def plan_groups(
    nodes: set[int],
    edges: set[tuple[int, int]],
    members: dict[int, tuple[int, bool]],
) -> _Plan:
    """Union-find over unpinned claims; a cluster linked to pinned claims of exactly one group joins it.

    ``members`` maps claim -> (group, pinned). Pinned claims never move and never bridge: a cluster
    touching pinned claims of two groups (a reviewer's split) joins neither and stands alone.
    """
    pinned = {c: g for c, (g, p) in members.items() if p}
    loose = sorted(n for n in nodes if n not in pinned)
    uf = UnionFind(loose)
    anchors: dict[int, set[int]] = {}
    for a, b in edges:
        if a in pinned and b in pinned:
            continue
        if a not in pinned and b not in pinned:
            uf.union(a, b)
        else:
            free, fixed = (b, a) if a in pinned else (a, b)
            anchors.setdefault(free, set()).add(pinned[fixed])
    reviewer_groups = set(pinned.values())
    taken: set[int] = set()
    plan = _Plan({}, {})
    for cluster in uf.sets():
        touching = set().union(*(anchors.get(c, set()) for c in cluster))
        target: int | None
        if len(touching) == 1:
            target = touching.pop()
        elif len(cluster) < 2:
            target = None
        else:
            target = _reusable(cluster, members, reviewer_groups | taken)
            if target is None:
                target = -(len(plan.new_groups) + 1)
                plan.new_groups[target] = cluster
            taken.add(target)
        for claim in cluster:
            plan.target[claim] = target
    return plan


def _reusable(cluster: list[int], members: dict[int, tuple[int, bool]], excluded: set[int]) -> int | None:
    """The machine-made group holding most of the cluster already (stable ids), lowest id on ties."""
    counts: dict[int, int] = {}
    for claim in cluster:
        if claim in members and members[claim][0] not in excluded:
            counts[members[claim][0]] = counts.get(members[claim][0], 0) + 1
    return min(counts, key=lambda g: (-counts[g], g)) if counts else None


def _lock_groups() -> None:
    # One regrouping at a time; reviewers' group writes lock group rows, which we lock next.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('claims.groups_update'))")


def _refresh_canonicals(group_ids: set[int]) -> None:
    """Bump changed groups; each takes its earliest-published member (then shortest, then lowest id) as canonical.

    A reviewer's pick (``canonical_by``) stays while that claim is still a member.
    """
    members: dict[int, list[tuple[bool, datetime, int, int]]] = {}
    rows = GroupMember.objects.filter(group_id__in=group_ids).values_list(
        "group_id", "claim_id", "claim__article__published_at", "claim__text"
    )
    for group_id, claim_id, published, text in rows.iterator(chunk_size=5000):
        members.setdefault(group_id, []).append((published is None, published or _LATEST, len(text), claim_id))
    groups = list(DuplicateGroup.objects.filter(pk__in=group_ids).order_by("pk"))
    for group in groups:
        ranked = sorted(members.get(group.pk, []))
        reviewer_pick = group.canonical_by_id is not None and group.canonical_id in {r[3] for r in ranked}
        if ranked and not reviewer_pick and group.canonical_id != ranked[0][3]:
            group.canonical_id, group.canonical_by_id = ranked[0][3], None
        group.version += 1  # the rows are locked (or new): no lost update
    DuplicateGroup.objects.bulk_update(groups, ["canonical", "canonical_by", "version"], batch_size=1000)


def _apply(plan: _Plan, members: dict[int, tuple[int, bool]], nodes_seen: int) -> GroupOutcome:
    temps = list(plan.new_groups)
    made = DuplicateGroup.objects.bulk_create([DuplicateGroup(canonical_id=plan.new_groups[t][0]) for t in temps])
    created = {t: g.pk for t, g in zip(temps, made, strict=True)}
    changed: set[int] = set(created.values())
    target_of: dict[int, int] = {}
    removed: list[int] = []
    for claim, target in plan.target.items():
        group = created.get(target, target) if target is not None else None
        current = members.get(claim)
        if current is not None and current[0] == group:
            continue
        if current is not None:
            changed.add(current[0])
        if group is None:
            if current is not None:
                removed.append(claim)
        else:
            target_of[claim] = group
            changed.add(group)
    GroupMember.objects.filter(claim_id__in=removed, pinned=False).delete()
    moving = list(GroupMember.objects.filter(claim_id__in=target_of, pinned=False))
    for member in moving:
        member.group_id = target_of[member.claim_id]
    GroupMember.objects.bulk_update(moving, ["group"], batch_size=1000)
    GroupMember.objects.bulk_create(
        [GroupMember(group_id=g, claim_id=c) for c, g in target_of.items()], ignore_conflicts=True, batch_size=1000
    )
    _refresh_canonicals(changed)
    return GroupOutcome(nodes_seen, len(created), len(changed), len(target_of), len(removed))


@transaction.atomic
def groups_update(*, claim_ids: Iterable[int] | None = None) -> GroupOutcome:
    """Regroup the components touching ``claim_ids`` (all claims when None) from auto supporting links."""
    _lock_groups()
    if claim_ids is None:
        nodes, edges = _everything()
    else:
        nodes, edges = _component(set(claim_ids))
    vetoed = _vetoed(None if claim_ids is None else nodes)
    edges -= vetoed
    touched = GroupMember.objects.filter(claim_id__in=nodes).values("group_id")
    list(DuplicateGroup.objects.select_for_update().filter(pk__in=touched).order_by("pk").values_list("pk"))
    members = {
        c: (g, p)
        for c, g, p in GroupMember.objects.filter(claim_id__in=nodes).values_list("claim_id", "group_id", "pinned")
    }
    live = set(Claim.objects.filter(pk__in=nodes, deleted_at__isnull=True).values_list("pk", flat=True))
    plan = plan_groups(live, {e for e in edges if e[0] in live and e[1] in live}, members)
    # Deleted claims leave the groups a machine put them in.
    for claim in nodes - live:
        if claim in members and not members[claim][1]:
            plan.target[claim] = None
    return _apply(plan, members, len(nodes))


# --- the one-call service ---------------------------------------------------------------------


@transaction.atomic
def claims_match(*, claim_ids: list[int]) -> MatchOutcome:
    """Embed, index and link the given claims against the whole corpus, then update their duplicate groups."""
    embedded = claims_index(claim_ids=claim_ids)
    links = claims_link(claim_ids=claim_ids)
    groups = groups_update(claim_ids=claim_ids)
    return MatchOutcome(links.claims, embedded, links, groups)


# --- jobs ---------------------------------------------------------------------------------------


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[lo : lo + CHUNK_SIZE]) for lo in range(0, len(ids), CHUNK_SIZE)]


def _job_with_chunks(kind: str, claim_ids: Sequence[int], created_by: User | None, result: dict[str, Any]) -> Job:
    job = Job.objects.create(kind=kind, created_by=created_by, result=result)
    chunks = _chunks(claim_ids)
    items = []
    for phase_no, phase in enumerate((_PHASE_INDEX, _PHASE_LINK)):
        for n, chunk in enumerate(chunks):
            position = phase_no * len(chunks) + n
            source = f"{phase} claims {chunk[0]}-{chunk[-1]} ({len(chunk)})"
            items.append(
                JobItem(job=job, position=position, source=source, payload={"phase": phase, "claim_ids": chunk})
            )
    JobItem.objects.bulk_create(items, batch_size=500)
    Job.objects.filter(pk=job.pk).update(total=len(items))
    job.refresh_from_db()
    _enqueue(job.pk, messages=min(PARALLEL_MESSAGES, max(len(chunks), 1)))
    return job


def _enqueue(job_id: int, messages: int) -> None:
    from claims import tasks  # tasks import this module

    def send() -> None:
        for _ in range(messages):
            tasks.run_match_job.delay(job_id)

    transaction.on_commit(send)


@transaction.atomic
def job_create_match(*, article_ids: Iterable[int], created_by: User | None = None) -> Job:
    """Queue matching of the live claims of these articles against the whole corpus."""
    articles = sorted(set(article_ids))
    claim_ids = list(
        Claim.objects.filter(article_id__in=articles, deleted_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return _job_with_chunks(JobKind.MATCH, claim_ids, created_by, {"articles": articles})


@transaction.atomic
def job_create_recompute(*, created_by: User | None = None) -> Job:
    """Queue re-linking of every live claim and a full regrouping; reviewers' decisions are kept."""
    claim_ids = list(Claim.objects.filter(deleted_at__isnull=True).order_by("pk").values_list("pk", flat=True))
    return _job_with_chunks(JobKind.RECOMPUTE, claim_ids, created_by, {})


def job_create_match_for_finished(*, job: Job) -> None:
    """After an ingest or extract job commits: match the claims of the articles it stored or re-extracted."""
    article_ids = list(
        job.items.filter(state=ItemState.CREATED, article__isnull=False).values_list("article_id", flat=True)
    )
    if article_ids:
        job_create_match(article_ids=article_ids, created_by=job.created_by)


def _job_start(job_id: int) -> bool:
    # Several messages share one job: each may start it; a finished job is left alone.
    return (
        Job.objects.filter(pk=job_id, state__in=[JobState.QUEUED, JobState.RUNNING]).update(
            state=JobState.RUNNING,
            started_at=Coalesce(F("started_at"), timezone.now()),
            attempts=F("attempts") + 1,
        )
        == 1
    )


def _process(item: JobItem) -> str:
    claim_ids = [int(x) for x in item.payload.get("claim_ids", [])]
    if item.payload.get("phase") == _PHASE_INDEX:
        return f"{claims_index(claim_ids=claim_ids)} claims embedded"
    outcome = claims_link(claim_ids=claim_ids)
    return (
        f"{outcome.claims} claims, {outcome.candidate_pairs} candidate pairs, {outcome.linked_pairs} linked, "
        f"{outcome.withdrawn} withdrawn"
    )


@transaction.atomic
def match_item_process(*, job_id: int) -> str:
    """Take the next free chunk of the job (skipping chunks other workers hold) and do it; says what happened.

    Returns ``"done"`` after a chunk, ``"wait"`` when linking must wait for another worker's indexing
    chunk, and ``"empty"`` when no chunk is free. The chunk's row lock is held until its work commits,
    so a killed worker's chunk becomes free again and a redelivered message skips finished chunks.
    """
    item = (
        JobItem.objects.select_for_update(skip_locked=True)
        .filter(job_id=job_id, state=ItemState.PENDING)
        .order_by("position")
        .first()
    )
    if item is None:
        return "empty"
    if item.payload.get("phase") == _PHASE_LINK:
        indexing = JobItem.objects.filter(job_id=job_id, state=ItemState.PENDING, payload__phase=_PHASE_INDEX)
        if indexing.exists():
            return "wait"
    item.message = _process(item)
    item.state = ItemState.CREATED
    item.save(update_fields=["state", "message"])
    Job.objects.filter(pk=job_id).update(done=F("done") + 1)
    return "done"


@transaction.atomic
def match_job_finish(*, job_id: int) -> Job | None:
    """Regroup and close the job once every chunk is done; None when chunks are still in flight or it is closed."""
    job = Job.objects.select_for_update().get(pk=job_id)
    if job.state != JobState.RUNNING or job.items.filter(state=ItemState.PENDING).exists():
        return None
    ids = [
        i
        for payload in job.items.filter(payload__phase=_PHASE_INDEX).values_list("payload", flat=True)
        for i in payload["claim_ids"]
    ]
    if job.kind == JobKind.RECOMPUTE:
        groups = groups_update(claim_ids=None)
        _withdraw_links_of_deleted_claims()
    else:
        groups = groups_update(claim_ids=ids)
    requested = dict(job.result)
    job = services.job_finish(job_id=job_id)
    summary = {**job.result, **requested}
    summary.update(
        chunks=job.total // 2,
        claims=len(ids),
        groups={"created": groups.groups_created, "changed": groups.groups_changed, "moved": groups.members_moved},
        linked=Evidence.objects.filter(method__in=MACHINE_METHODS, withdrawn_at__isnull=True).count(),
    )
    Job.objects.filter(pk=job_id).update(result=summary)
    job.result = summary
    return job


def _withdraw_links_of_deleted_claims() -> int:
    return (
        Evidence.objects.filter(method__in=MACHINE_METHODS, decision=EvidenceDecisionChoice.PENDING)
        .filter(withdrawn_at__isnull=True)
        .filter(Q(claim__deleted_at__isnull=False) | Q(via_claim__deleted_at__isnull=False))
        .update(withdrawn_at=timezone.now())
    )


def match_job_run(*, job_id: int) -> None:
    """Work on a match or recompute job until no chunk is free; the last worker out regroups and closes it."""
    if not _job_start(job_id):
        logger.info("match job %s is finished or gone; nothing to do", job_id)
        return
    while True:
        state = match_item_process(job_id=job_id)
        if state == "wait":
            time.sleep(_BARRIER_POLL_SECONDS)
        elif state == "empty":
            break
    match_job_finish(job_id=job_id)


def match_counts() -> dict[str, int]:
    """Live machine links by method, for the command's summary."""
    rows = (
        Evidence.objects.filter(method__in=MACHINE_METHODS, withdrawn_at__isnull=True)
        .values_list("method")
        .annotate(n=Count("id"))
    )
    return {str(method): int(n) for method, n in rows}
