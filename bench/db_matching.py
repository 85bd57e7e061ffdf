"""Matching against PostgreSQL: incremental match of a new article against N stored claims, and full recomputes.

    python bench/db_matching.py [--database-url URL] [--sizes 10000 100000] [--recompute-sizes 10000]
                                [--sample-chunks 4] [--caps 200 100] [--repeats 1] [--keep-loaded]
                                [--bbc PATH] [--fnc PATH]

The database named in --database-url is emptied and migrated (use a scratch database;
default postgres://postgres@127.0.0.1:5432/wb_h1_bench). For each size N the corpus is
built as bench/scale.py builds it (BBC News and FNC-1 sentences, 60 % distinct sentences
and 40 % lightly perturbed copies of them), 40 claims per article, and bulk-loaded with
COPY: articles, sentences, claims, claim spans, claim vectors and band-key rows (the
``(method, band, key)`` indexes are built after the load).

Vectors: every distinct sentence (about 63,000) gets its real all-MiniLM-L6-v2 embedding
(about 8 minutes on the first run, then cached under var/bench-cache); a perturbed copy
gets its sentence's vector plus noise (cosine about 0.97, as for a lightly edited copy),
since embedding a million copies would take hours. Beyond about 100k claims the corpus is
these sentences with several perturbed copies each. The new article's claims are embedded
for real, inside the timed ``claims_index`` step.

Timed, for a new article of 40 claims (20 perturbed copies of stored claims, 20 unseen
sentences): embedding + band rows (``claims_index``), candidate lookup through the index,
scoring, evidence upsert (+ withdrawal check), and regrouping of the touched components.
Then, for --recompute-sizes, a full recompute through the job path (``job_create_recompute``,
run in-process as with no broker: chunks of 500 claims, one worker); for the other sizes, the
linking of --sample-chunks chunks of 500 stored claims (the per-chunk work of a recompute).

--caps compares the new article's candidate lookup at each cap (claims kept per claim) with an
exhaustive cosine search over every stored vector: the recall of pairs above the semantic lower
threshold, by cosine range.

--aged-parts P first splits every bucket into up to P parts, as a corpus grown article by article
leaves them (a bulk load packs each bucket into one); at P = 16 (MAX_PARTS) every bucket a new
article touches is rebuilt, so indexing pays the rebuilds too.

--repeats N matches N new articles in turn, each against the same corpus (the previous one is
deleted first), and prints each run's figures and their median: a run's cost moves with what
the database has in its buffers.

--probes N stores and looks up each claim's semantic band rows with N least certain bits flipped
per band (``HyperplaneLSH(probes=N)``, symmetric multi-probe; 0, today's rows, by default): the
corpus is loaded with those rows and the product's indexing uses the same matcher for the new
article (the bench swaps ``claims.services.indexing._matcher``; the product's default is untouched).

--keep-loaded (one size only) skips the load when the database already holds that corpus
(loading a million claims takes about 15 minutes): the new articles of the earlier run are
deleted first, so the timed steps see the same corpus again.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from matching_util import ROOT, SHARED, embed, machine

sys.path.insert(0, str(ROOT / "bench"))
from bench_db import postgres_prepare
from scale import base_sentences, perturbed

from workbench.celery import freeze_startup_objects

CLAIMS_PER_ARTICLE = 40
COPY_SHARE = 0.4
F32 = npt.NDArray[np.float32]


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    os.environ.pop("CELERY_BROKER_URL", None)  # jobs run in-process, as in the demo
    import django

    postgres_prepare(url, drop=False)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def postgres_settings() -> str:
    """The server settings that move these figures most: version, buffer cache, JIT."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('server_version'), current_setting('shared_buffers'), current_setting('jit')"
        )
        version, buffers, jit = cursor.fetchone()
    return f"PostgreSQL {version}, shared_buffers {buffers}, jit {jit}"


def reset() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        # The append-only tables refuse TRUNCATE by trigger; this scratch database is emptied anyway
        # (replica mode skips ordinary triggers for this statement's session only; needs a superuser).
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "TRUNCATE sources_article, sources_sentence, claims_claim, claims_claimspan, claims_claimvector, "
            "claims_matchkey, claims_matchbucket, claims_evidence, claims_evidencedecision, claims_duplicategroup, "
            "claims_groupmember, claims_groupdecision, claims_job, claims_jobitem, claims_claimentity, "
            "claims_sentenceassessment RESTART IDENTITY CASCADE"
        )
        cursor.execute("SET session_replication_role = origin")


def loaded(size: int) -> bool:
    """Whether the database holds this benchmark's corpus of ``size`` claims (from an earlier run)."""
    from claims.models import Claim, MatchKey

    last = Claim.objects.filter(pk=size, key=f"bench:{size - 1}").exists()
    larger = Claim.objects.filter(key=f"bench:{size}").exists()
    return last and not larger and MatchKey.objects.filter(claim_id=size, sketch_hi__isnull=False).exists()


def remove_new_articles(size: int) -> None:
    """Delete what an earlier run added beyond the corpus (its new articles and their links)."""
    from django.db import connection

    from claims.models import MatchKey
    from claims.services import buckets as bucket_services

    articles = (size + CLAIMS_PER_ARTICLE - 1) // CLAIMS_PER_ARTICLE
    touched = set(MatchKey.objects.filter(claim_id__gt=size).values_list("method", "band", "key"))
    with connection.cursor() as cursor:
        for sql in (  # in foreign-key order; the benchmark's own rows only (ids beyond the corpus)
            "DELETE FROM claims_evidence WHERE claim_id > %(n)s OR via_claim_id > %(n)s OR sentence_id > %(n)s",
            "DELETE FROM claims_groupmember WHERE claim_id > %(n)s OR group_id IN "
            "(SELECT id FROM claims_duplicategroup WHERE canonical_id > %(n)s)",
            "DELETE FROM claims_duplicategroup WHERE canonical_id > %(n)s",
            "DELETE FROM claims_matchkey WHERE claim_id > %(n)s",
            "DELETE FROM claims_claimvector WHERE claim_id > %(n)s",
            "DELETE FROM claims_claimspan WHERE claim_id > %(n)s",
            "DELETE FROM claims_claimentity WHERE claim_id > %(n)s",
            "DELETE FROM claims_claim WHERE id > %(n)s",
            "DELETE FROM sources_sentence WHERE id > %(n)s",
            "DELETE FROM sources_article WHERE id > %(articles)s",
        ):
            cursor.execute(sql, {"n": size, "articles": articles})
    bucket_services.buckets_rebuild(keys=touched)  # the corpus's buckets as loaded, one part each
    with connection.cursor() as cursor:
        # The deleted rows leave band-row pages not all-visible: the next lookups would fetch heap
        # tuples (seen: 2.4-2.9 s instead of 0.7 s) until autovacuum came by. The chunks linked by
        # each run re-upsert their evidence rows, and the dead versions would steer plans to scans.
        cursor.execute("VACUUM (ANALYZE) claims_matchkey, claims_matchbucket, claims_evidence")


def age_buckets(parts: int) -> int:
    """Split every bucket into up to ``parts`` parts, as appends leave them between rebuilds; returns rows made.

    A bulk load packs each bucket into one part. A corpus that grew article by article holds up to
    ``bucket_services.MAX_PARTS`` parts per bucket, and at that many the next append rebuilds the
    bucket: lookups read more rows, and indexing pays for the rebuilds.
    """
    from django.db import connection

    from claims.matching.postings import RECORD

    width = RECORD.itemsize
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM claims_matchbucket")
        (last,) = cursor.fetchone()
        cursor.execute(
            """INSERT INTO claims_matchbucket (method, band, key, members, size)
               SELECT b.method, b.band, b.key,
                      substring(b.members FROM 1 + %(w)s * (i * b.size / %(p)s)
                                FOR %(w)s * ((i + 1) * b.size / %(p)s - i * b.size / %(p)s)),
                      (i + 1) * b.size / %(p)s - i * b.size / %(p)s
               FROM claims_matchbucket b, generate_series(0, %(p)s - 1) AS i
               WHERE b.id <= %(last)s AND (i + 1) * b.size / %(p)s > i * b.size / %(p)s""",
            {"w": width, "p": parts, "last": last},
        )
        made = cursor.rowcount
        cursor.execute("DELETE FROM claims_matchbucket WHERE id <= %s", [last])
        cursor.execute("VACUUM (ANALYZE) claims_matchbucket")
    return int(made)


def corpus(base: list[str], size: int) -> tuple[list[str], list[int]]:
    """Texts and, for each, the index of the distinct sentence it is (a copy of).

    60 % distinct sentences while the source has enough; beyond that (about 100k claims)
    every sentence has several perturbed copies.
    """
    distinct = min(int(size * (1 - COPY_SHARE)), len(base))
    texts = perturbed(base[:distinct], size)
    return texts, [i % distinct for i in range(size)]


def vectors(real: F32, origin: list[int], distinct: int) -> F32:
    """Real embeddings of the distinct sentences; a perturbed copy gets its sentence's vector plus noise."""
    rng = np.random.default_rng(11)
    out = real[origin].astype(np.float32)
    copies = np.arange(len(origin)) >= distinct
    out[copies] += rng.normal(0, 0.0128, (int(copies.sum()), real.shape[1])).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def features(texts: list[str]) -> list[Any]:
    from claims.matching import scoring

    return [scoring.features(t) for t in texts]


def _copy(table: str, columns: str, rows: Iterator[tuple[Any, ...]]) -> int:
    from django.db import connection

    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def load(texts: list[str], feats: list[Any], vecs: F32) -> dict[str, float]:
    """COPY the corpus in; returns seconds per stage."""
    from django.db import connection

    from claims.matching.linking import Item
    from claims.models import MatchKey
    from claims.services import buckets as bucket_services
    from claims.services.indexing import VECTOR_MODEL, _pack, text_hash

    timings: dict[str, float] = {}
    n = len(texts)
    articles = (n + CLAIMS_PER_ARTICLE - 1) // CLAIMS_PER_ARTICLE
    started = time.perf_counter()
    bodies, spans = [], []
    for a in range(articles):
        chunk = texts[a * CLAIMS_PER_ARTICLE : (a + 1) * CLAIMS_PER_ARTICLE]
        offsets, position = [], 0
        for text in chunk:
            offsets.append((position, position + len(text)))
            position += len(text) + 1
        bodies.append(" ".join(chunk))
        spans.append(offsets)
    now = "2024-06-01T00:00:00+00:00"
    _copy(
        "sources_article",
        "id, title, url, published_at, language, body, content_hash, source_name, ingested_at",
        (
            (a + 1, f"bench {a}", "", now, "en", body, hashlib.sha256(body.encode()).hexdigest(), f"bench-{a}", now)
            for a, body in enumerate(bodies)
        ),
    )
    _copy(
        "sources_sentence",
        'id, position, paragraph, start, "end", text, kind, article_id',
        (
            (a * CLAIMS_PER_ARTICLE + p + 1, p, 0, s, e, bodies[a][s:e], "body", a + 1)
            for a, offsets in enumerate(spans)
            for p, (s, e) in enumerate(offsets)
        ),
    )
    timings["articles+sentences"] = time.perf_counter() - started
    started = time.perf_counter()
    _copy(
        "claims_claim",
        "id, text, status, extractor, key, worthiness, created_at, version, article_id, attribution, dates, "
        "entities, kind, origin, quantities",
        (
            (
                i + 1, text, "unreviewed", "bench", f"bench:{i}", 0.5, now, 1, i // CLAIMS_PER_ARTICLE + 1, "[]",
                json.dumps(f.dates), json.dumps([{"key": k, "name": k} for k in sorted(f.entity_keys)]),
                "sentence", "extracted", json.dumps(f.quantities),
            )
            for i, (text, f) in enumerate(zip(texts, feats, strict=True))
        ),
    )  # fmt: skip
    _copy(
        "claims_claimspan",
        'claim_id, sentence_id, start, "end"',
        (
            (a * CLAIMS_PER_ARTICLE + p + 1, a * CLAIMS_PER_ARTICLE + p + 1, s, e)
            for a, offsets in enumerate(spans)
            for p, (s, e) in enumerate(offsets)
        ),
    )
    _copy(
        "claims_claimvector",
        "claim_id, model, text_hash, vector",
        ((i + 1, VECTOR_MODEL, text_hash(t), _pack(v)) for i, (t, v) in enumerate(zip(texts, vecs, strict=True))),
    )
    timings["claims+spans+vectors"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE claims_matchkey DROP CONSTRAINT matchkey_unique")
    lookup = next(i for i in MatchKey._meta.indexes if i.name == "matchkey_lookup")
    with connection.schema_editor() as editor:
        editor.remove_index(MatchKey, lookup)
    from claims.services.indexing import _matcher

    matcher = _matcher()  # the matcher the product indexes with (a --probes run swaps it)
    rows = 0
    for lo in range(0, n, 20_000):
        items = [Item(i + 1, str(i // CLAIMS_PER_ARTICLE), feats[i]) for i in range(lo, min(n, lo + 20_000))]
        for f, v in zip(feats[lo : lo + 20_000], vecs[lo : lo + 20_000], strict=True):
            f.embedding = v
        keyed = matcher.rows_for(items)
        sketches = matcher.sketches_for(items)
        rows += _copy(
            "claims_matchkey",
            "claim_id, method, band, key, sketch_hi, sketch_lo",
            (
                (item.id, m, b, k, *sketch)
                for item, item_rows, sketch in zip(items, keyed, sketches, strict=True)
                for m, b, k in item_rows
            ),
        )
    timings["band rows (compute + COPY)"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE claims_matchkey ADD CONSTRAINT matchkey_unique UNIQUE (claim_id, method, band, key)"
        )
    with connection.schema_editor() as editor:
        editor.add_index(MatchKey, lookup)  # as the migrations define it (covering, on PostgreSQL)
    with connection.cursor() as cursor:
        # VACUUM sets the visibility map after the bulk load, so the lookups can be index-only scans
        # (autovacuum does the same for a table that grows through the workbench).
        cursor.execute("VACUUM (ANALYZE) claims_matchkey")
    timings["indexes + analyze"] = time.perf_counter() - started
    started = time.perf_counter()
    buckets = bucket_services.buckets_rebuild_all()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) claims_matchbucket")
        for table in ("sources_article", "sources_sentence", "claims_claim", "claims_claimspan"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        cursor.execute("ANALYZE")
    timings["packed buckets (from the band rows)"] = time.perf_counter() - started
    timings["band rows"] = float(rows)
    timings["buckets"] = float(buckets)
    return timings


def new_article(unseen: list[str], texts: list[str], rng: np.random.Generator) -> list[int]:
    """A 40-sentence article: 20 perturbed copies of stored claims, 20 sentences the corpus never saw."""
    from claims.models import Claim, ClaimSpan
    from sources.models import Article, Sentence

    copies = perturbed([texts[int(i)] for i in rng.integers(0, len(texts), 20)], 40)[20:]
    chunk = copies + unseen
    body = " ".join(chunk)
    article = Article.objects.create(body=body, content_hash=hashlib.sha256(body.encode()).hexdigest())
    position, claims = 0, []
    for p, text in enumerate(chunk):
        sentence = Sentence.objects.create(
            article=article, position=p, start=position, end=position + len(text), text=text
        )
        claim = Claim.objects.create(article=article, text=text, extractor="bench", key=f"bench:new:{article.pk}:{p}")
        ClaimSpan.objects.create(claim=claim, sentence=sentence, start=sentence.start, end=sentence.end)
        claims.append(claim.pk)
        position += len(text) + 1
    return claims


def incremental(claim_ids: list[int]) -> dict[str, float]:
    from django.db import transaction

    from claims.services import indexing as indexing_services
    from claims.services import linking as linking_services
    from claims.services import regrouping as regrouping_services

    out: dict[str, float] = {}
    with transaction.atomic():
        started = time.perf_counter()
        indexing_services.claims_index(claim_ids=claim_ids)
        out["embed + band rows (40 claims)"] = time.perf_counter() - started
        started = time.perf_counter()
        candidates = linking_services._candidates(claim_ids)
        out["candidate lookup"] = time.perf_counter() - started
        started = time.perf_counter()
        scored = linking_services._score(candidates)
        out["scoring"] = time.perf_counter() - started
        started = time.perf_counter()
        linking_services._upsert(scored.rows)
        linking_services._withdraw_missing(claim_ids, {r.key for r in scored.rows}, scored.decided)
        out["evidence upsert"] = time.perf_counter() - started
        started = time.perf_counter()
        regrouping_services.groups_update(claim_ids=claim_ids)
        out["regroup touched components"] = time.perf_counter() - started
        started = time.perf_counter()
    # Deferred foreign-key checks of the new links and the WAL flush; a job pays them too.
    out["commit"] = time.perf_counter() - started
    out["total after the embedding"] = sum(
        out[k] for k in ("candidate lookup", "scoring", "evidence upsert", "regroup touched components", "commit")
    )
    out["candidate pairs"] = float(len(candidates.pairs))
    out["pairs read by the pair scorer"] = float(scored.read)
    out["linked pairs"] = float(scored.linked)
    return out


def exhaustive(claim_ids: list[int], stored: npt.NDArray[np.float16], caps: list[int]) -> list[str]:
    """What the band-row lookup finds at each candidate cap, against an exhaustive cosine search of the corpus.

    Reachable pairs: a new claim and a stored claim whose cosine is at least the semantic lower
    threshold (``compare`` can link nothing below it, so no lookup needs to find more). Recall is
    the share of those pairs among the lookup's candidates; the lookup is read-only, so every cap
    runs on the same article.
    """
    from claims.matching import scoring
    from claims.services import linking as linking_services

    current = linking_services._current_vectors(set(claim_ids))
    ids = [pk for pk in claim_ids if pk in current]
    queries = np.stack([current[pk] for pk in ids])
    started = time.perf_counter()
    cosines = np.concatenate(
        [stored[lo : lo + 100_000].astype(np.float32) @ queries.T for lo in range(0, len(stored), 100_000)]
    )  # (corpus, new); stored claim i is claim id i + 1, of another article than the new ones
    scan = time.perf_counter() - started
    lower = scoring.THRESHOLDS["semantic"].lower
    edges = [lower, 0.8, scoring.THRESHOLDS["semantic"].upper, 1.01]
    rows, cols = np.nonzero(cosines >= lower)
    bins: list[set[tuple[int, int]]] = [set() for _ in edges[1:]]
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        which = int(np.searchsorted(edges, cosines[r, c], side="right")) - 1
        bins[which].add((min(ids[c], r + 1), max(ids[c], r + 1)))
    names = [f"[{lo:.2f}, {hi:.2f})" for lo, hi in itertools.pairwise(edges)]
    out = [
        f"exhaustive cosine over {len(stored):,} stored vectors: {scan * 1000:,.0f} ms (numpy, in memory); pairs at "
        + ", ".join(f"cosine {n}: {len(b):,}" for n, b in zip(names, bins, strict=True))
    ]
    default = linking_services.MAX_CANDIDATES
    try:
        for cap in caps:
            linking_services.MAX_CANDIDATES = cap
            started = time.perf_counter()
            found = set(linking_services._candidate_pairs(ids))
            seconds = time.perf_counter() - started
            out.append(
                f"cap {cap}: lookup {seconds * 1000:,.0f} ms, {len(found):,} candidates, recall by cosine "
                + ", ".join(f"{n} {len(b & found) / max(1, len(b)):.3f}" for n, b in zip(names, bins, strict=True))
            )
    finally:
        linking_services.MAX_CANDIDATES = default
    return out


def recompute() -> dict[str, float]:
    from claims.jobs import match as match_jobs
    from claims.models import Evidence, GroupMember, Job

    started = time.perf_counter()
    job = match_jobs.job_create_recompute()  # runs to the end on commit: no broker, tasks are eager
    elapsed = time.perf_counter() - started
    job = Job.objects.get(pk=job.pk)
    assert job.state == "succeeded", (job.state, job.error)
    return {
        "full recompute (job)": elapsed,
        "chunks": float(job.total // 2),
        "live machine links": float(
            Evidence.objects.filter(withdrawn_at__isnull=True, via_claim__isnull=False).count()
        ),
        "grouped claims": float(GroupMember.objects.count()),
    }


def link_sample(size: int, chunks: int) -> dict[str, float]:
    """Phase-2 linking of a few 500-claim chunks spread over the corpus (what a recompute does per chunk)."""
    from django.db import transaction

    from claims.jobs import match as match_jobs
    from claims.services import linking as linking_services

    seconds, pairs = [], 0
    for n in range(chunks):
        lo = 1 + n * (size // chunks)
        with transaction.atomic():
            started = time.perf_counter()
            outcome = linking_services.claims_link(claim_ids=list(range(lo, lo + match_jobs.CHUNK_SIZE)))
            seconds.append(time.perf_counter() - started)
        pairs += outcome.candidate_pairs
    return {
        f"linking, s per {match_jobs.CHUNK_SIZE}-claim chunk (median of {chunks})": float(np.median(seconds)),
        "candidate pairs per chunk": pairs / chunks,
    }


def use_probes(probes: int) -> None:
    """Make the product's indexing store and look up ``probes`` flipped keys a band (this process only)."""
    from functools import lru_cache

    from claims.matching.linking import Matcher
    from claims.matching.semantic import HyperplaneLSH
    from claims.services import indexing

    indexing._matcher = lru_cache(maxsize=1)(lambda: Matcher(planes=HyperplaneLSH(probes=probes)))
    print(f"semantic band rows: {1 + probes} keys a band (symmetric multi-probe)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/wb_h1_bench")
    parser.add_argument("--bbc", type=Path, default=SHARED / "bbc-news" / "bbc_articles.jsonl")
    parser.add_argument("--fnc", type=Path, default=SHARED / "fnc1-bodies" / "train_bodies.csv")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--recompute-sizes", type=int, nargs="*", default=[10_000])
    parser.add_argument(
        "--sample-chunks", type=int, default=4, help="sizes without a recompute: chunks to time (0: none)"
    )
    parser.add_argument(
        "--caps", type=int, nargs="*", default=[], help="candidate caps to compare with an exhaustive cosine search"
    )
    parser.add_argument(
        "--aged-parts",
        type=int,
        default=0,
        help="first split every bucket into this many parts (16: the most appends leave, each append rebuilds)",
    )
    parser.add_argument("--repeats", type=int, default=1, help="new articles matched in turn (each on the same corpus)")
    parser.add_argument(
        "--keep-loaded",
        action="store_true",
        help="with one size: reuse the corpus an earlier run loaded (the timed steps alone; a recompute changes it)",
    )
    parser.add_argument(
        "--scorer-caps",
        type=int,
        nargs="+",
        default=[],
        help="pair scorer caps (partners per claim) to time the new articles with, in turn (0: no cap; default: "
        "the product's)",
    )
    parser.add_argument("--probes", type=int, default=0, help="flipped uncertain bits per semantic band (0: today)")
    args = parser.parse_args()
    setup(args.database_url)
    # After django.setup(): the services import the models.
    from claims.matching.pair_scorer import pair_scorer
    from claims.services import linking as linking_services

    default_cap = linking_services.SCORED_PARTNERS
    args.scorer_caps = args.scorer_caps or [default_cap]
    if args.probes:
        use_probes(args.probes)
    print(machine())
    print(postgres_settings())
    base = base_sentences(args.bbc, args.fnc)
    print(f"{len(base)} distinct source sentences")
    rng = np.random.default_rng(5)
    sources = base[:-40]  # the last 40 are the new articles' unseen sentences
    # Only the distinct sentences the sizes use (all of them from about 100k claims): a small run embeds few.
    used = min(len(sources), max(int(size * (1 - COPY_SHARE)) for size in args.sizes))
    real, rate = embed(sources[:used], "scale-base")
    if rate:
        print(f"embedded {used:,} distinct sentences at {rate:.0f} sentences/s (cached for later runs)")
    for size in args.sizes:
        texts, origin = corpus(sources, size)
        if args.keep_loaded and len(args.sizes) == 1 and loaded(size):
            remove_new_articles(size)
            print(f"\nN = {size:,} claims ({size // CLAIMS_PER_ARTICLE:,} articles), loaded by an earlier run")
        else:
            reset()
            started = time.perf_counter()
            feats = features(texts)
            vecs = vectors(real, origin, min(int(size * (1 - COPY_SHARE)), len(sources)))
            print(f"\nN = {size:,} claims ({size // CLAIMS_PER_ARTICLE:,} articles); features + vectors "
                  f"{time.perf_counter() - started:.1f} s")  # fmt: skip
            for stage, value in load(texts, feats, vecs).items():
                print(f"  load {stage}: {value:,.1f}" + ("" if stage in ("band rows", "buckets") else " s"))
        if args.aged_parts:
            started = time.perf_counter()
            made = age_buckets(args.aged_parts)
            print(
                f"  buckets aged into up to {args.aged_parts} parts: {made:,} rows, "
                f"{time.perf_counter() - started:.0f} s"
            )
        for cap in args.scorer_caps:
            linking_services.SCORED_PARTNERS = cap or 1 << 30
            runs: list[dict[str, float]] = []
            for repeat in range(args.repeats):
                if repeat or cap != args.scorer_caps[0]:  # the same corpus again, other stored claims copied
                    remove_new_articles(size)
                incremental(new_article(base[-20:], texts, rng))  # warm: model load, caches
                freeze_startup_objects()  # as a Celery worker process does at its start
                fresh = new_article(base[-40:-20], texts, rng)
                pair_scorer()._memo.clear()  # a new article's pairs are new to the scorer; repeats would find them
                runs.append(incremental(fresh))
            print(f"  pair scorer cap: {cap or 'none'} partners per claim")
            for stage in runs[0]:
                counts = stage in ("candidate pairs", "pairs read by the pair scorer", "linked pairs")
                values = [run[stage] if counts else run[stage] * 1000 for run in runs]
                shown = " / ".join(f"{v:,.0f}" for v in values)
                median = f" (median {float(np.median(values)):,.0f})" if len(values) > 1 else ""
                print(f"  incremental {stage}: {shown}{'' if counts else ' ms'}{median}")
        linking_services.SCORED_PARTNERS = default_cap
        if args.caps:
            distinct = min(int(size * (1 - COPY_SHARE)), len(sources))
            stored = vectors(real, origin, distinct).astype(np.float16)  # as loaded, rounded as stored
            for line in exhaustive(fresh, stored, args.caps):
                print(f"  {line}")
            del stored
        if size in args.recompute_sizes:
            for stage, value in recompute().items():
                print(f"  {stage}: {value:,.1f}" + (" s" if "recompute" in stage else ""))
        elif args.sample_chunks:
            for stage, value in link_sample(size, args.sample_chunks).items():
                print(f"  {stage}: {value:,.1f}")
        print(f"  {machine()}")


if __name__ == "__main__":
    main()
