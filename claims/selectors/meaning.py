"""Claims close in meaning to a query: its embedding, the semantic band buckets, exact cosine over a few hundred.

The query is embedded with the encoder the claims were (one model per process, a few milliseconds a
query). Its band keys, and every key one bit away, name the buckets to read (``MatchBucket``, the packed
copy the matcher reads); their members are ranked by sketch distance to the query
(``postings.top_partners``) and only the nearest ``CANDIDATES`` have their stored vectors read and
compared exactly. No query reads every vector: at 100,000 claims a query reads about 400 small buckets.
"""

from __future__ import annotations

from functools import lru_cache, reduce
from operator import or_

import numpy as np
from django.db.models import Q

from claims.matching import postings, query
from claims.matching.linking import METHOD_IDS
from claims.matching.semantic import F32, MODEL_NAME, MODEL_SHA256, encoder
from claims.models import ClaimSpan, ClaimVector, MatchBucket

# What claims_index stores (claims.services.indexing.VECTOR_MODEL; a test holds the two equal): a vector
# of another model is not comparable with the query's.
VECTOR_MODEL = f"{MODEL_NAME}@{MODEL_SHA256[:12]}"
CANDIDATES = 300  # nearest bucket members by sketch whose vectors are read and compared exactly
CLOSE = 0.45  # a claim at this cosine or more to the query is shown as close in meaning
SEMANTIC = METHOD_IDS["semantic"]


@lru_cache(maxsize=256)
def query_vector(q: str) -> F32:
    """The query's unit embedding; a reviewer paging through results embeds it once."""
    vector: F32 = encoder().encode_query(q)
    vector.setflags(write=False)
    return vector


def _bucket_rows(keys: list[tuple[int, int]]) -> list[tuple[int, list[bytes]]]:
    """The packed parts of each probed bucket, one row per bucket, for ``postings.top_partners``."""
    by_band: dict[int, list[int]] = {}
    for band, key in keys:
        by_band.setdefault(band, []).append(key)
    # One index probe per (band, key) of matchbucket_lookup: an OR of each band's own keys.
    wanted = reduce(or_, (Q(band=band, key__in=band_keys) for band, band_keys in by_band.items()))
    parts: dict[tuple[int, int], list[bytes]] = {}
    for band, key, members in MatchBucket.objects.filter(wanted, method=SEMANTIC).values_list("band", "key", "members"):
        parts.setdefault((band, key), []).append(bytes(members))
    return [(SEMANTIC, blobs) for blobs in parts.values()]


def candidates(vector: F32) -> list[int]:
    """Ids of the claims in the query's probed buckets whose sketches are nearest the query's (deleted ones too)."""
    rows = _bucket_rows(query.probe_keys(vector))
    if not rows:
        return []
    partners = postings.top_partners(query.sketch(vector), rows, np.empty(0, dtype=np.int64), CANDIDATES)
    return [p.claim for p in partners]


def cosines(vector: F32, claim_ids: list[int]) -> dict[int, float]:
    """Exact cosine of the query with each of these claims' stored vectors (float16, made unit length again)."""
    rows = list(
        ClaimVector.objects.filter(claim_id__in=claim_ids, model=VECTOR_MODEL).values_list("claim_id", "vector")
    )
    if not rows:
        return {}
    matrix = np.frombuffer(b"".join(bytes(raw) for _, raw in rows), dtype="<f2").reshape(len(rows), -1)
    matrix = matrix.astype(np.float32)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    scores = matrix @ vector
    return {pk: round(float(score), 3) for (pk, _), score in zip(rows, scores, strict=True)}


def close_claims(q: str) -> dict[int, float]:
    """Claims at cosine ``CLOSE`` or more to ``q`` among its bucket candidates, with their cosine."""
    vector = query_vector(q)
    return {pk: score for pk, score in cosines(vector, candidates(vector)).items() if score >= CLOSE}


def close_sentences(claims: dict[int, float]) -> dict[int, float]:
    """Sentences holding these claims, each with the closest cosine among its claims."""
    out: dict[int, float] = {}
    for claim, sentence in ClaimSpan.objects.filter(claim_id__in=claims).values_list("claim_id", "sentence_id"):
        out[sentence] = max(out.get(sentence, -1.0), claims[claim])
    return out
