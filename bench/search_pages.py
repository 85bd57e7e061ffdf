"""Search and person-page timings on a large corpus: words, figures, names in any spelling, and meaning.

    python bench/search_pages.py [--database-url postgres://…/NAME] [--claims N] [--requests N] [--rebuild]
                                 [--update docs/benchmarks.md]

The corpus is bench/ui_pages.py's (the seed articles ingested through the ordinary services, then
copied with bulk inserts until it holds ``--claims`` claims). Its copies carry no embeddings, names
or band rows; this script gives every copied claim what indexing would: a stored vector, its
``ClaimEntity`` rows (from the claim's own names), and one semantic band-bucket member per band
(``MatchBucket``, the packed rows the search reads). A copy's vector is its seed claim's vector with
a small random turn (cosine about 0.9 to it), so that 330 copies of one claim spread over buckets as
distinct near-paraphrases would, instead of piling identical members into the same buckets. The
database name must contain "bench".

Then it signs a reviewer into Django's test client (no network, DEBUG off) and times ``--requests``
searches of each kind (the queries below, cycled) and person pages of the most-named keys: median,
p95 and max wall time, and the largest number of SQL queries one request made. The query's embedding
is timed alone too (one process-wide encoder; it runs on the web process's CPU).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from bench_db import postgres_prepare
from ui_pages import DEFAULT_DB, Timing, _bench_reviewer, _setup_django, _time, build, update

SECTION = "## Search pages"
TURN = 0.025  # per-dimension noise on a copy's unit vector: cosine about 0.9 to its seed claim
BATCH = 5000

QUERIES = {
    "words": ["refused delegation", "ceasefire talks doha", "hostages released", "humanitarian aid"],
    "figure": ["40000", "40,000 people", "37945"],
    "name (other spelling)": ["bagheri kani", "amirabdollahian", "haniyeh"],
    "meaning (no shared words)": [
        "Hamas declined to attend the negotiations",
        "number of Palestinians killed",
        "Iran's envoy visited Qatar",
    ],
}


def index_copies() -> int:
    """Vectors, names and semantic bucket members for claims that have none (the copies); returns how many."""
    from django.db import connection, transaction

    from claims.matching import postings, query
    from claims.models import Claim, ClaimEntity, ClaimVector, MatchBucket
    from claims.selectors.meaning import SEMANTIC, VECTOR_MODEL

    todo = Claim.objects.filter(vector__isnull=True, deleted_at__isnull=True).order_by("id")
    if not todo.exists():
        return 0
    seed_vectors = {
        text: np.frombuffer(bytes(raw), dtype="<f2").astype(np.float32)
        for text, raw in ClaimVector.objects.values_list("claim__text", "vector")
    }
    rng = np.random.default_rng(11)
    members: dict[tuple[int, int], list[tuple[int, int | None, int | None]]] = {}
    done = 0
    rows = list(todo.values_list("id", "text", "entities"))
    for lo in range(0, len(rows), BATCH):
        batch = [r for r in rows[lo : lo + BATCH] if r[1] in seed_vectors]
        if not batch:
            continue
        base = np.stack([seed_vectors[text] for _, text, _ in batch])
        turned = base + rng.normal(0.0, TURN, base.shape).astype(np.float32)
        turned /= np.linalg.norm(turned, axis=1, keepdims=True)
        keys = query.planes().band_keys(turned)
        sketches = query.sketcher().words(turned)
        with transaction.atomic():
            ClaimVector.objects.bulk_create(
                [
                    ClaimVector(claim_id=pk, model=VECTOR_MODEL, text_hash="bench", vector=v.astype("<f2").tobytes())
                    for (pk, _, _), v in zip(batch, turned, strict=True)
                ],
                batch_size=2000,
            )
            ClaimEntity.objects.bulk_create(
                [
                    ClaimEntity(claim_id=pk, key=str(e["key"])[:200], name=str(e.get("name") or e["key"])[:300])
                    for pk, _, entities in batch
                    for e in {str(e["key"]): e for e in entities if isinstance(e, dict) and e.get("key")}.values()
                ],
                batch_size=2000,
                ignore_conflicts=True,
            )
        for (pk, _, _), row, (hi, lo_word) in zip(batch, keys.tolist(), sketches.tolist(), strict=True):
            for band, key in enumerate(row):
                members.setdefault((band, key), []).append((pk, hi, lo_word))
        done += len(batch)
        print(f"  indexed {done}/{len(rows)}", file=sys.stderr, flush=True)
    with transaction.atomic():
        MatchBucket.objects.bulk_create(
            [
                MatchBucket(method=SEMANTIC, band=band, key=key, members=postings.pack(m), size=len(m))
                for (band, key), m in members.items()
            ],
            batch_size=2000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return done


def _time_searches(client: Any, page: str, paths: list[str]) -> Timing:
    """As ui_pages._time, each request embedding its query anew: a reviewer's new query is not cached."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from claims.selectors import meaning

    client.get(paths[0])  # warm caches, templates and the encoder
    ms, most = [], 0
    for path in paths:
        meaning.query_vector.cache_clear()
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.get(path)
            ms.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        most = max(most, len(queries))
    return Timing(page, paths[0], ms, most)


def measure(requests: int) -> tuple[list[Timing], list[float]]:
    from django.db.models import Count
    from django.test import Client
    from django.utils.http import urlencode

    from claims.models import ClaimEntity
    from claims.selectors import meaning

    client = Client()
    client.force_login(_bench_reviewer())
    timings = []
    for kind, queries in QUERIES.items():
        paths = [f"/search/?{urlencode({'q': queries[n % len(queries)]})}" for n in range(requests)]
        timings.append(_time_searches(client, f"search: {kind}", paths))
    filtered = [f"/search/?{urlencode({'q': 'Hamas', 'status': 'unreviewed', 'verdict': 'without'})}"] * requests
    timings.append(_time_searches(client, "search: filtered (status, verdict)", filtered))
    keys = list(
        ClaimEntity.objects.values("key").annotate(n=Count("claim_id")).order_by("-n").values_list("key", flat=True)[:5]
    )
    timings.append(_time(client, "person page", [f"/entities/{keys[n % len(keys)]}/" for n in range(requests)]))
    encode = []
    for n in range(requests):
        meaning.query_vector.cache_clear()
        began = time.perf_counter()
        meaning.query_vector(f"{QUERIES['meaning (no shared words)'][n % 3]} {n}")
        encode.append((time.perf_counter() - began) * 1000)
    return timings, encode


def _counts() -> dict[str, int]:
    from claims.models import Claim, ClaimEntity, ClaimVector, MatchBucket

    return {
        "claims": Claim.objects.count(),
        "stored vectors": ClaimVector.objects.count(),
        "names (claim, key)": ClaimEntity.objects.count(),
        "semantic bucket parts": MatchBucket.objects.filter(method=2).count(),
    }


def report(
    timings: list[Timing], encode: list[float], counts: dict[str, int], command: str, load: str, torch_threads: int
) -> str:
    encode.sort()
    lines = [
        SECTION,
        "",
        "Server-side time of `/search/` and `/entities/<key>/` on a large corpus, through Django's test client",
        "(no network, DEBUG off, templates rendered), signed in as a reviewer. Every timed search embeds its",
        "query anew (only a paging reviewer's repeat is cached), reads the semantic buckets its band keys and",
        "their one-bit neighbours name, compares the 300 nearest members exactly, and finds the words through",
        "the full-text indexes; the JIT compiler is off for the search's queries.",
        "",
        "### Commands",
        "",
        "```sh",
        command,
        "```",
        "",
        "### Machine",
        "",
        f"{os.cpu_count()} cores; load average before the run: {load} (2 cores shared with other engineers' jobs).",
        "",
        "### Corpus",
        "",
        ", ".join(f"{n:,} {name}" for name, n in counts.items()) + ".",
        "",
        "### Results",
        "",
        "| page | example | requests | median ms | p95 ms | max ms | queries (max) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for t in timings:
        lines.append(
            f"| {t.page} | `{t.example}` | {len(t.ms)} | {t.median:.1f} | {t.p95:.1f} | {max(t.ms):.1f} | {t.queries} |"
        )
    p95 = encode[min(len(encode) - 1, int(0.95 * len(encode)))]
    lines += [
        "",
        f"Embedding one query alone: median {encode[len(encode) // 2]:.1f} ms, p95 {p95:.1f} ms "
        f"({torch_threads} torch thread{'s' if torch_threads != 1 else ''}).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DB.replace("bench_ui", "bench_search"))
    parser.add_argument("--claims", type=int, default=100_000, help="Build until the corpus holds this many claims")
    parser.add_argument("--requests", type=int, default=30, help="Timed requests per kind of page")
    parser.add_argument("--rebuild", action="store_true", help="Drop and re-create the database first")
    parser.add_argument("--update", type=Path, help="Replace the Search pages section of this Markdown file")
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=1,
        help="Threads the query encoder may use (the workers use WORKER_TORCH_THREADS, 1): two threads on two "
        "busy cores wait on each other, 30 ms become a second",
    )
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.torch_threads)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    postgres_prepare(args.database_url, drop=args.rebuild)
    _setup_django(args.database_url)
    from claims.models import Claim

    if Claim.objects.count() < args.claims:
        build(args.claims)
    index_copies()
    timings, encode = measure(args.requests)
    command = "python bench/search_pages.py " + " ".join(sys.argv[1:])
    section = report(timings, encode, _counts(), command, load, args.torch_threads)
    print(section)
    if args.update:
        update(args.update, section, SECTION)


if __name__ == "__main__":
    main()
