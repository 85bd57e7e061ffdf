"""API latency benchmark: list and detail endpoints under concurrent load on loopback.

    python bench/api_latency.py [--articles N] [--requests N] [--concurrency N]
                                [--database-url postgres://…/NAME] [--update docs/benchmarks.md]

Builds a fresh PostgreSQL database (its name must contain "bench": it is DROPPED and
re-created), ingests a corpus through the same services as `manage.py ingest` (the BBC
News corpus if present, else the seed articles repeated with a numbered footer), creates
a reviewer with an API token and duplicate groups (those the matcher made, else one per
wording found in more than one article, through the group service), starts
`manage.py runserver --noreload` (threaded, DEBUG=0) on a free loopback port, and sends a
bounded number of GET requests per endpoint from a thread pool of httpx clients
(keep-alive, one client per thread). Reports p50/p95/p99 latency and requests per second
per endpoint; every response must be 200. ``--update`` replaces the "## API latency"
section of a Markdown file (or appends one).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from bench_db import postgres_prepare

ROOT = Path(__file__).resolve().parent.parent
BBC = ROOT.parent / "shared" / "eval" / "bbc-news" / "bbc_articles.jsonl"
SEED_DIR = ROOT / "samples" / "seed"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/workbench_bench_api"


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    path: str
    requests: int
    seconds: float
    latencies_ms: list[float]

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
        return ordered[index]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300, help="articles to ingest (default 300)")
    parser.add_argument("--requests", type=int, default=600, help="measured requests per endpoint (default 600)")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--warmup", type=int, default=30, help="unmeasured requests per endpoint first")
    parser.add_argument("--database-url", default=DEFAULT_DB, help="postgres://…/NAME (NAME must contain 'bench')")
    parser.add_argument(
        "--update", type=Path, default=None, help="replace the API latency section of this Markdown file"
    )
    return parser.parse_args(argv)


# --- database and corpus --------------------------------------------------------------------


def server_env(database_url: str, var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-only-secret",
        "DEBUG": "0",  # DEBUG keeps every query in memory: not what production runs
        "CELERY_BROKER_URL": "",
        "WORKBENCH_VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }


@dataclass(frozen=True, slots=True)
class Corpus:
    token: str
    claims: list[int]
    articles: list[int]
    groups: list[int]
    label: str


def build_groups(user: object, limit: int = 500) -> list[int]:
    """The matcher's groups if it made any; else one group per wording found in two or more articles."""
    from django.db.models import Count

    from claims.models import Claim, DuplicateGroup
    from claims.services import groups as group_services

    existing = list(DuplicateGroup.objects.filter(members__isnull=False).distinct().values_list("id", flat=True))
    if existing:
        return existing
    repeated = Claim.objects.values("text").annotate(articles=Count("article", distinct=True)).filter(articles__gte=2)
    made = []
    for row in repeated.order_by("text")[:limit]:
        ids = list(Claim.objects.filter(text=row["text"]).order_by("id").values_list("id", flat=True)[:20])
        made.append(group_services.group_create(claim_ids=ids, user=user).pk)  # type: ignore[arg-type]
    return made


def build_corpus(database_url: str, var_dir: Path, articles: int) -> Corpus:
    """Migrate, ingest, group duplicates, make a reviewer token."""
    os.environ.update(server_env(database_url, var_dir))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from claims.jobs import ingest as ingest_jobs
    from claims.jobs import runner as job_runner
    from claims.models import Claim, TokenScope
    from claims.roles import Role
    from claims.services import tokens as token_services
    from sources.models import Article
    from sources.text.reading import ArticleDocument, read_paths

    call_command("migrate", verbosity=0)
    documents: list[object]
    if BBC.exists():
        documents = list(itertools.islice(read_paths([BBC], max_bytes=settings.MAX_ARTICLE_BYTES), articles))
        label = f"BBC News, first {len(documents)} records"
    else:
        seeds = list(read_paths([SEED_DIR], max_bytes=settings.MAX_ARTICLE_BYTES))
        documents = []
        for n in range(articles):
            seed = seeds[n % len(seeds)]
            assert isinstance(seed, ArticleDocument)
            documents.append(
                ArticleDocument(source=f"seed-{n}", body=f"{seed.body}\n\nCopy {n} of the seed.", title=seed.title)
            )
        label = f"the 5 seed articles, {articles} numbered copies"
    for start in range(0, len(documents), 100):
        job = ingest_jobs.job_create_ingest(documents=documents[start : start + 100])  # type: ignore[arg-type]
        job_runner.job_run(job_id=job.pk)  # a no-op if the in-process task already ran it
    user = User.objects.create_user("bench-reviewer", password=None)
    user.groups.add(Group.objects.get(name=Role.REVIEWER.value))
    _, token = token_services.token_create(user=user, scope=TokenScope.READ)
    claims = list(Claim.objects.values_list("id", flat=True))
    article_ids = list(Article.objects.values_list("id", flat=True))
    return Corpus(token, claims, article_ids, build_groups(user), label)


# --- server and load ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/schema/", timeout=2)
            return proc
        except httpx.HTTPError:
            if proc.poll() is not None:
                raise SystemExit("runserver exited during start-up") from None
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("runserver did not answer within 60 s")


def load(
    base: str, token: str, name: str, paths: Callable[[int], str], total: int, warmup: int, concurrency: int
) -> Result:
    local = threading.local()
    clients: list[httpx.Client] = []
    lock = threading.Lock()

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, headers={"Authorization": f"Token {token}"}, timeout=60)
            with lock:
                clients.append(local.client)
        return local.client

    def one(i: int) -> float:
        started = time.perf_counter()
        response = client().get(paths(i))
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{name}: {paths(i)} answered {response.status_code}: {response.text[:200]}")
        return elapsed

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(warmup)))
        started = time.perf_counter()
        latencies = list(pool.map(one, range(warmup, warmup + total)))
        seconds = time.perf_counter() - started
    for c in clients:
        c.close()
    return Result(name, paths(0), total, seconds, latencies)


# --- report ---------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def postgres_version(database_url: str) -> str:
    import psycopg

    parts = urlsplit(database_url)
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        dbname=parts.path.lstrip("/"),
    ) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        return f"PostgreSQL {row[0] if row else '?'}"


def markdown(
    results: list[Result], args: argparse.Namespace, corpus: str, counts: str, database: str, load_avg: str
) -> str:
    lines = [
        "",
        "## API latency",
        "",
        f"`bench/api_latency.py`, run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. A reviewer's read-scoped token sends "
        f"GET requests to `manage.py runserver --noreload` (threaded, DEBUG=0) on loopback: {args.warmup} "
        f"unmeasured, then {args.requests} measured requests per endpoint from {args.concurrency} threads, each "
        "with its own keep-alive httpx client. Detail requests pick ids at random (fixed seed). Every response "
        "was 200.",
        "",
        "```sh",
        f"python bench/api_latency.py --articles {args.articles} --requests {args.requests} "
        f"--concurrency {args.concurrency} --database-url {args.database_url} --update docs/benchmarks.md",
        "```",
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, {database} on the same host; the client, the server and the "
        f"database share the cores. Load average before the run: {load_avg}. Corpus: {corpus} ({counts}).",
        "",
        "| endpoint | example path | p50 ms | p95 ms | p99 ms | req/s |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r.name} | `{r.path}` | {r.pct(50):.1f} | {r.pct(95):.1f} | {r.pct(99):.1f} | {r.rate:.0f} |")
    lines.append("")
    return "\n".join(lines)


def replace_section(document: str, section: str, heading: str = "## API latency") -> str:
    """``document`` with its ``heading`` section (up to the next ``## ``) replaced, or ``section`` appended."""
    start = document.find(f"\n{heading}\n")
    if start < 0:
        return document.rstrip("\n") + "\n" + section
    end = document.find("\n## ", start + len(heading) + 2)
    rest = document[end:] if end >= 0 else "\n"
    return document[:start] + section.rstrip("\n") + "\n" + rest


def deep_cursor(base: str, token: str, page_size: int = 50) -> str:
    """The claims page that a client walking the whole list reaches past 80% of it (a cursor link)."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Token {token}"}, timeout=60) as client:
        pages: list[str] = [f"/api/v1/claims/?page_size={page_size}"]
        while True:
            following = client.get(pages[-1]).raise_for_status().json()["next"]
            if following is None:
                break
            pages.append(following.removeprefix(base))
    return pages[int(len(pages) * 0.8)]


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    postgres_prepare(args.database_url, drop=True)
    var_dir = Path(tempfile.mkdtemp(prefix="api-bench-"))
    print(f"ingesting {args.articles} articles …", file=sys.stderr)
    corpus = build_corpus(args.database_url, var_dir, args.articles)
    token, claims, articles = corpus.token, corpus.claims, corpus.articles
    if not corpus.groups:
        raise SystemExit("the corpus has no duplicate groups to read; ingest more articles")
    counts = f"{len(articles)} articles, {len(claims)} claims, {len(corpus.groups)} duplicate groups"
    print(f"corpus: {corpus.label}: {counts}", file=sys.stderr)
    port = free_port()
    server = start_server(server_env(args.database_url, var_dir), port)
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(6)
    claim_ids = [rng.choice(claims) for _ in range(args.requests + args.warmup)]
    article_ids = [rng.choice(articles) for _ in range(args.requests + args.warmup)]
    group_ids = [rng.choice(corpus.groups) for _ in range(args.requests + args.warmup)]
    deep = deep_cursor(base, token)
    endpoints: list[tuple[str, Callable[[int], str]]] = [
        ("claims list (first page of 50)", lambda i: "/api/v1/claims/?page_size=50"),
        ("claims list, a page past 80% (cursor)", lambda i: deep),
        ("claims list, filtered", lambda i: "/api/v1/claims/?status=unreviewed&q=said&page_size=50"),
        ("claims list, conflicting figures", lambda i: "/api/v1/claims/?has_conflicting_figures=true&page_size=50"),
        ("claim detail (evidence, reviews, group, corroboration)", lambda i: f"/api/v1/claims/{claim_ids[i]}/"),
        ("groups list (page of 50)", lambda i: "/api/v1/groups/?page_size=50"),
        ("group detail (members, figures, history)", lambda i: f"/api/v1/groups/{group_ids[i]}/"),
        ("articles list (page of 50)", lambda i: "/api/v1/articles/?page_size=50"),
        ("article detail (body, sentences)", lambda i: f"/api/v1/articles/{article_ids[i]}/"),
    ]
    load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    try:
        results = []
        for name, paths in endpoints:
            result = load(base, token, name, paths, args.requests, args.warmup, args.concurrency)
            print(
                f"{name:42} p50 {result.pct(50):7.1f} ms  p95 {result.pct(95):7.1f} ms  "
                f"p99 {result.pct(99):7.1f} ms  {result.rate:6.0f} req/s  "
                f"(mean {statistics.fmean(result.latencies_ms):.1f})",
                file=sys.stderr,
            )
            results.append(result)
    finally:
        server.terminate()
        server.wait(timeout=20)
    report = markdown(results, args, corpus.label, counts, postgres_version(args.database_url), load_avg)
    print(report)
    if args.update is not None:
        args.update.write_text(replace_section(args.update.read_text(encoding="utf-8"), report), encoding="utf-8")


if __name__ == "__main__":
    main()
