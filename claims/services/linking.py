"""Phase 2 of matching: look candidates up in the band buckets, score them, upsert evidence links."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from claims.matching import exact as exact_matching
from claims.matching import postings, scoring
from claims.matching.calibration import Calibration
from claims.matching.exact import ExactIndex
from claims.matching.linking import METHOD_IDS, needs_pair_scorer, scorer_pairs
from claims.matching.pair_scorer import pair_scorer
from claims.matching.scoring import MatchDecision, TextFeatures
from claims.models import (
    Claim,
    ClaimSpan,
    ClaimVector,
    Evidence,
    EvidenceDecisionChoice,
    EvidenceMethod,
    LinkStrength,
    MatchKey,
)
from claims.selectors import calibration as calibration_selectors
from claims.services import buckets as bucket_services
from claims.services import indexing as indexing_services
from claims.services import sql_fragments

MAX_CANDIDATES = 200  # per claim, the band-sharing partners with the closest sketches; bounds work on huge buckets
# Per claim, the partners the pair scorer reads (the closest by cosine among its own candidates): bounds the
# scorer's forward passes per claim, whatever the corpus holds near it (``linking.scorer_pairs``).
SCORED_PARTNERS = 3


MACHINE_METHODS = (EvidenceMethod.LEXICAL, EvidenceMethod.SEMANTIC, EvidenceMethod.FIGURE)


_UPSERT_BATCH = 500


@dataclass(frozen=True, slots=True)
class Candidates:
    pairs: dict[tuple[int, int], set[str]]  # (lower id, higher id): the row kinds that made the pair
    partners: dict[int, list[int]]  # each given claim's own candidates, as its lookup ranked them


@dataclass(frozen=True, slots=True)
class LinkOutcome:
    claims: int
    candidate_pairs: int
    linked_pairs: int
    rows_written: int
    withdrawn: int


_LOOKUP_BATCH = 50  # claims whose buckets are read at once: bounds memory (a claim's buckets hold ~15,000 at 1M)


def exact_index() -> ExactIndex | None:
    """Every live claim's stored vector (``claims.matching.exact``), or None past ``MATCH_EXACT_UP_TO`` (or at 0)."""
    limit = settings.MATCH_EXACT_UP_TO
    model = indexing_services.VECTOR_MODEL
    # Counting at most limit + 1 rows: at a million claims the answer costs a few index entries, not a scan.
    if limit <= 0 or ClaimVector.objects.filter(model=model)[: limit + 1].count() > limit:
        return None
    vector, claim = ClaimVector._meta.db_table, Claim._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.claim_id, v.vector FROM {vector} v JOIN {claim} c ON c.id = v.claim_id "
            "WHERE v.model = %s AND c.deleted_at IS NULL",
            [model],
        )
        vectors = indexing_services.vectors_by_claim(cursor.fetchall())
    calibration, _ = calibration_selectors.calibrations_current()
    return ExactIndex.of(vectors, _cosine_floor(calibration))


def _cosine_floor(calibration: Calibration | None) -> float:
    """Below this cosine no embedding decision links a pair (the calibration's floor, else the rules' lowest)."""
    if calibration is not None:
        return min(scoring.THRESHOLDS["figure"].lower, calibration.cosine_floor)
    return min(scoring.THRESHOLDS[m].lower for m in ("semantic", "figure"))


def _candidate_pairs(claim_ids: Sequence[int]) -> dict[tuple[int, int], set[str]]:
    return _candidates(claim_ids).pairs


def _candidates(claim_ids: Sequence[int], exact: ExactIndex | None = None) -> Candidates:
    """Pairs (lower id, higher id) of live claims of different articles sharing a band row with a given claim.

    Each given claim keeps its ``MAX_CANDIDATES`` partners with the closest embedding sketches,
    then sharing the most rows, then lower id first (``postings.top_partners``). The members of
    its buckets are read packed (``MatchBucket``), one row per bucket part: read as one index
    entry per member, the ~15,000 members a claim's buckets hold at a million claims cost the
    database about a microsecond each. With an ``exact`` index, its closest partners at the cosine
    floor join them (as ``semantic``), whether or not they share a row.
    """
    articles = dict(Claim.objects.filter(pk__in=claim_ids).values_list("pk", "article_id"))
    mates: dict[int, list[int]] = {}
    for article, pk in Claim.objects.filter(article_id__in=set(articles.values())).values_list("article_id", "pk"):
        mates.setdefault(article, []).append(pk)
    # Served by the partial index claim_deleted.
    deleted = np.array(list(Claim.objects.filter(deleted_at__isnull=False).values_list("pk", flat=True)), np.int64)
    names = {v: name for name, v in METHOD_IDS.items()}
    pairs: dict[tuple[int, int], set[str]] = {}
    partners: dict[int, list[int]] = {}
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
        exclude = {a: np.concatenate([deleted, np.array(mates[articles[a]], dtype=np.int64)]) for a in batch}
        closest = {} if exact is None else exact_matching.closest_partners(exact, batch, exclude, MAX_CANDIDATES)
        for a in batch:
            if a in own:
                buckets = [(m, parts.get((m, b, k), [])) for m, b, k in own[a]]
                for partner in postings.top_partners(sketch[a], buckets, exclude[a], MAX_CANDIDATES):
                    b = partner.claim
                    pairs.setdefault((min(a, b), max(a, b)), set()).update(names[m] for m in partner.kinds)
                    partners.setdefault(a, []).append(b)
            known = set(partners.get(a, []))
            for b in closest.get(a, []):
                pairs.setdefault((min(a, b), max(a, b)), set()).add("semantic")
                if b not in known:
                    partners.setdefault(a, []).append(b)
    return Candidates(pairs, partners)


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
    where, params = sql_fragments.id_filter("claim_id", sorted(set(claim_ids)))
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
    where, params = sql_fragments.id_filter("v.claim_id", sorted(claim_ids))
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
        cursor.execute(sql, [*params, indexing_services.VECTOR_MODEL])
        rows = cursor.fetchall()
    if connection.vendor == "postgresql":
        return indexing_services.vectors_by_claim(rows)
    return indexing_services.vectors_by_claim(
        [(pk, raw) for pk, raw, digest, text in rows if digest == indexing_services.text_hash(text)]
    )


def _worth_scoring(
    pairs: list[tuple[int, int]], vectors: dict[int, npt.NDArray[np.float32]], calibration: Calibration | None
) -> list[tuple[int, int]]:
    """Drop pairs whose cosine is below every embedding method's lower threshold: ``compare`` could not link them.

    With both vectors at hand the score is the cosine less a penalty (rounded to 4 places, hence
    the margin), so this is exact, and it spares the full comparison for most band-row
    candidates, which are unrelated texts.
    """
    floor = _cosine_floor(calibration)
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


@dataclass(frozen=True, slots=True)
class Scored:
    rows: list[_Row]
    linked: int
    decided: set[tuple[int, int]]  # pairs with a decision; the others wait on a scorer that did not read them
    read: int  # pairs the pair scorer read


def _decide(
    todo: list[tuple[int, int]],
    features: dict[int, TextFeatures],
    partners: dict[int, list[int]],
    calibration: Calibration | None,
    support: Calibration | None = None,
) -> tuple[dict[tuple[int, int], MatchDecision], int]:
    """Decisions of the pairs that can be decided, and how many the pair scorer read.

    With a calibration, a supporting semantic link waits on the pair scorer, which reads only the
    ``SCORED_PARTNERS`` closest waiting partners of each claim (``linking.scorer_pairs``): a pair
    beyond both claims' caps gets no decision here, so its links are neither written nor withdrawn
    (as a pair beyond the candidate cap). Every other pair is decided by the rules, as before.
    """
    pairs = [(features[a], features[b]) for a, b in todo]
    rules = scoring.compare_many(pairs)
    if calibration is None:
        return dict(zip(todo, rules, strict=True)), 0
    waiting: dict[tuple[int, int], float] = {}
    for pair, (fa, fb), decision in zip(todo, pairs, rules, strict=True):
        if fa.embedding is None or fb.embedding is None or not needs_pair_scorer(decision):
            continue
        cosine = float(np.dot(fa.embedding, fb.embedding))  # as compare_many tests the floor
        if cosine >= calibration.cosine_floor:
            waiting[pair] = cosine
    read = sorted(scorer_pairs(partners, waiting, SCORED_PARTNERS))
    decided = {pair: d for pair, d in zip(todo, rules, strict=True) if pair not in waiting}
    scored = scoring.compare_many(
        [(features[a], features[b]) for a, b in read],
        pair_logits=pair_scorer().head_logits,
        calibration=calibration,
        support=support,
    )
    decided.update(zip(read, scored, strict=True))
    return decided, len(read)


def _score(candidates: Candidates) -> Scored:
    pairs = candidates.pairs
    calibration, support = calibration_selectors.calibrations_current()
    vectors = _current_vectors({x for pair in pairs for x in pair})
    todo = _worth_scoring(list(pairs), vectors, calibration)
    features = indexing_services.live_features({x for pair in todo for x in pair}, vectors)
    todo = [(a, b) for a, b in todo if a in features and b in features]
    decisions, read = _decide(todo, features, candidates.partners, calibration, support)
    spans = _claim_spans({x for pair, d in decisions.items() if d.linked for x in pair})
    best: dict[tuple[int, int, int, int], _Row] = {}
    linked = 0
    for (a, b), decision in sorted(decisions.items()):
        if not decision.linked or decision.method not in MACHINE_METHODS:
            continue
        linked += 1
        for row in _rows_for_pair(a, b, decision, pairs[(a, b)], spans):
            if row.key not in best or row.rank > best[row.key].rank:
                best[row.key] = row
    waiting = set(todo) - set(decisions)
    return Scored([best[k] for k in sorted(best)], linked, set(pairs) - waiting, read)


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
    claim_ids: Sequence[int],
    found: set[tuple[int, int, int, int]],
    scored: set[tuple[int, int]],
    exact: ExactIndex | None = None,
) -> int:
    """Hide undecided machine links of these claims (either side) that this run no longer finds.

    Withdrawn: links of pairs decided here (``scored``) and not linked, of pairs that share no
    band row any more (nor, with an exact index, reach its floor), and of deleted claims. A pair
    that is still a candidate but fell beyond one claim's candidate cap, or beyond both claims'
    pair-scorer caps, may be decided by the other claim's run: it is left as it is, so chunk order
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
    if exact is not None:
        sharing |= exact_matching.close_pairs(exact, undecided - sharing)
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


@dataclass(frozen=True, slots=True)
class LinkPlan:
    """What linking a chunk of claims would write, worked out from reads alone (``claims_link_plan``)."""

    live: list[int]
    candidates: Candidates
    scored: Scored
    exact: ExactIndex | None


def claims_link_plan(*, claim_ids: Sequence[int]) -> LinkPlan:
    """Look candidates up and score them, reading only: the slow part of linking, safe outside a transaction."""
    live = sorted(c.pk for c in indexing_services.live_claims(claim_ids))
    exact = exact_index()
    candidates = _candidates(live, exact)
    return LinkPlan(live, candidates, _score(candidates), exact)


def _rows_of_live_claims(rows: Sequence[_Row]) -> list[_Row]:
    """The rows whose two claims are still live: one may have been deleted since the plan was made."""
    ids = sorted({x for row in rows for x in (row.claim_id, row.via_claim_id)})
    if not ids:
        return []
    # Raw SQL for the array parameter, as the other reads of a chunk's thousands of ids.
    where, params = sql_fragments.id_filter("id", ids)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Claim._meta.db_table} WHERE {where} AND deleted_at IS NULL", params)
        live = {pk for (pk,) in cursor.fetchall()}
    return [row for row in rows if row.claim_id in live and row.via_claim_id in live]


@transaction.atomic
def claims_link_apply(*, plan: LinkPlan) -> LinkOutcome:
    """Write a plan's links and withdraw the links it no longer finds; reviewers' decisions are never touched.

    A plan made outside this transaction may be a little behind: links of a claim deleted since
    are left out (and so withdrawn), and a claim reworded since is matched again by the job its
    edit queued.
    """
    rows = _rows_of_live_claims(plan.scored.rows)
    _upsert(rows)
    withdrawn = _withdraw_missing(plan.live, {r.key for r in rows}, plan.scored.decided, plan.exact)
    return LinkOutcome(len(plan.live), len(plan.candidates.pairs), plan.scored.linked, len(rows), withdrawn)


@transaction.atomic
def claims_link(*, claim_ids: Sequence[int]) -> LinkOutcome:
    """Link claims (already indexed) to the claims of other articles they share band rows with (or, in a corpus
    of at most ``MATCH_EXACT_UP_TO`` claims, that come close enough by exact cosine), both directions."""
    return claims_link_apply(plan=claims_link_plan(claim_ids=claim_ids))


def evidence_withdraw_for_deleted_claims() -> int:
    return (
        Evidence.objects.filter(method__in=MACHINE_METHODS, decision=EvidenceDecisionChoice.PENDING)
        .filter(withdrawn_at__isnull=True)
        .filter(Q(claim__deleted_at__isnull=False) | Q(via_claim__deleted_at__isnull=False))
        .update(withdrawn_at=timezone.now())
    )
