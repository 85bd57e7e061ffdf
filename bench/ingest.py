"""Ingestion benchmark: text-stage throughput, full ingestion into a fresh database, and the seeds.

    python bench/ingest.py [PATH] [--limit N] [--database-url URL]

PATH is anything `manage.py ingest` reads (default: the BBC News corpus, a .jsonl of
{title, paragraphs}); a .jsonl of {text} works too. Without --database-url the run
uses a throw-away SQLite file; with a PostgreSQL URL it DROPS and re-creates that
database, so its name must contain "bench". Ingestion goes through the services the
`ingest` command uses: with no broker configured, the job runs in-process when
job_create_ingest commits, exactly as the command does without a worker.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench_db import postgres_prepare

if TYPE_CHECKING:
    from claims.models import Job
    from sources.text.reading import ArticleDocument, ReadError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT.parent / "shared" / "eval" / "bbc-news" / "bbc_articles.jsonl"
SEED_DIR = ROOT / "samples" / "seed"


@dataclass(frozen=True, slots=True)
class Counts:
    articles: int
    sentences: int
    claims: int


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH, help="file or folder of articles")
    parser.add_argument("--limit", type=int, default=None, help="ingest only the first N documents")
    parser.add_argument("--database-url", default="", help="postgres://…/NAME to drop, create and use (NAME: *bench*)")
    return parser.parse_args(argv)


# --- machine and database ------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def peak_rss_mib() -> float:
    # ru_maxrss is a high-water mark in KiB on Linux: the peak so far, not the current size.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def django_setup(database_url: str, var_dir: Path) -> None:
    """Point the settings at the fresh database, with jobs run in-process, and migrate it."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="workbench.settings",
        DATABASE_URL=database_url,
        SECRET_KEY="bench-only-secret",
        DEBUG="0",  # with DEBUG on, Django keeps every query in memory and skews RSS
        CELERY_BROKER_URL="",
        WORKBENCH_VAR_DIR=str(var_dir),
        LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def database_label() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


# --- measurements --------------------------------------------------------------


def read_documents(path: Path, limit: int | None) -> list[ArticleDocument | ReadError]:
    from django.conf import settings

    from sources.text.reading import read_paths

    return list(itertools.islice(read_paths([path], max_bytes=settings.MAX_ARTICLE_BYTES), limit))


def warm_up() -> float:
    """Load the spaCy pipeline once, so throughput figures measure work, not start-up."""
    from sources.text.segmentation import segment

    started = time.perf_counter()
    segment("Warm up. The pipeline loads once per process.")
    return time.perf_counter() - started


def text_stage(documents: Sequence[ArticleDocument | ReadError]) -> tuple[int, int, int, int, float]:
    """Clean and segment every document without a database.

    Returns (articles, sentences, raw duplicate bodies, duplicates after cleaning, seconds).
    """
    from django.conf import settings

    from sources.text.prepare import prepare_document
    from sources.text.reading import ArticleDocument, InvalidDocument

    articles = sentences = 0
    raw_bodies: set[str] = set()
    hashes: set[str] = set()
    raw_duplicates = clean_duplicates = 0
    started = time.perf_counter()
    for doc in documents:
        if not isinstance(doc, ArticleDocument):
            continue
        try:
            prepared = prepare_document(doc, max_chars=settings.MAX_ARTICLE_BYTES)
        except InvalidDocument:
            continue
        articles += 1
        sentences += len(prepared.segments)
        raw_duplicates += doc.body in raw_bodies
        clean_duplicates += prepared.content_hash in hashes
        raw_bodies.add(doc.body)
        hashes.add(prepared.content_hash)
    return articles, sentences, raw_duplicates, clean_duplicates, time.perf_counter() - started


def ingest(documents: Sequence[ArticleDocument | ReadError]) -> tuple[Job, float]:
    from claims.jobs import ingest as ingest_jobs
    from claims.jobs import runner as job_runner

    started = time.perf_counter()
    job = ingest_jobs.job_create_ingest(documents=documents)
    job_runner.job_run(job_id=job.pk)  # a no-op when the in-process run already finished it
    seconds = time.perf_counter() - started
    job.refresh_from_db()
    return job, seconds


def stored_counts(job: Job) -> Counts:
    from claims.models import Claim
    from sources.models import Sentence

    article_ids = set(job.items.filter(state="created").values_list("article_id", flat=True))
    return Counts(
        articles=len(article_ids),
        sentences=Sentence.objects.filter(article_id__in=article_ids).count(),
        claims=Claim.objects.filter(article_id__in=article_ids).count(),
    )


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.1f}/s" if seconds > 0 else "n/a"


# --- report ----------------------------------------------------------------------


def report_machine(database: str) -> None:
    print("Machine")
    print(f"  CPU:      {cpu_model()} ({os.cpu_count()} logical cores)")
    print(f"  Python:   {platform.python_version()} on {platform.system()} {platform.release()}")
    print(f"  Database: {database}")


def report_text_stage(documents: Sequence[ArticleDocument | ReadError], read_seconds: float) -> None:
    load_seconds = warm_up()
    articles, sentences, raw_dups, clean_dups, seconds = text_stage(documents)
    print("\n1. Text stage: read, clean, segment (no database)")
    print(f"  read {len(documents):,} document(s) in {read_seconds:.2f}s; spaCy pipeline loaded in {load_seconds:.2f}s")
    print(f"  {articles:,} articles, {sentences:,} sentences in {seconds:.2f}s")
    print(f"  {rate(articles, seconds)} articles, {rate(sentences, seconds)} sentences")
    print(f"  exact duplicate bodies in input: {raw_dups:,}; duplicates after cleaning: {clean_dups:,}")
    print(f"  peak RSS so far: {peak_rss_mib():,.0f} MiB")


def report_ingestion(documents: Sequence[ArticleDocument | ReadError]) -> None:
    job, seconds = ingest(documents)
    counts = stored_counts(job)
    result = job.result
    print("\n2. Full ingestion: job_create_ingest + job_run (store, segment, assess, extract; then match)")
    print(f"  job {job.pk}: {job.state}, {job.done:,}/{job.total:,} items in {seconds:.2f}s wall")
    print(f"  created {result['created']:,}, duplicate {result['duplicate']:,}, failed {result['failed']:,}")
    print(f"  stored {counts.articles:,} articles, {counts.sentences:,} sentences, {counts.claims:,} claims")
    print(
        f"  {rate(job.total, seconds)} documents, {rate(counts.sentences, seconds)} sentences, "
        f"{rate(counts.claims, seconds)} claims"
    )
    print(f"  duplicates caught by the content hash: {result['duplicate']:,}")
    print_job_split()
    for error in result["errors"][:5]:
        print(f"  failed: {error['source']}: {error['message']}")
    print(f"  peak RSS so far: {peak_rss_mib():,.0f} MiB")


def print_job_split() -> None:
    """Where the wall time went: with no broker the match job (embed + link) runs inline after the ingest job."""
    from claims.models import Job

    for job in Job.objects.order_by("id"):
        if job.started_at and job.finished_at:
            print(f"    {job.kind} job {job.pk}: {(job.finished_at - job.started_at).total_seconds():.2f}s")


def report_seeds() -> None:
    from django.conf import settings

    from sources.text.reading import read_paths

    job, seconds = ingest(list(read_paths([SEED_DIR], max_bytes=settings.MAX_ARTICLE_BYTES)))
    counts = stored_counts(job)
    print(f"\n3. Seed articles ({SEED_DIR.relative_to(ROOT)})")
    print(f"  {counts.articles} articles, {counts.sentences} sentences, {counts.claims} claims in {seconds:.2f}s")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.path.exists():
        raise SystemExit(f"{args.path}: no such file or folder")
    scratch = Path(tempfile.mkdtemp(prefix="workbench-bench-"))
    try:
        url = args.database_url or f"sqlite:///{scratch / 'bench.sqlite3'}"
        if url.startswith(("postgres://", "postgresql://")):
            postgres_prepare(url, drop=True)
        started = time.perf_counter()
        django_setup(url, scratch)
        print(f"Input: {args.path}" + (f" (first {args.limit:,})" if args.limit else ""))
        report_machine(f"{database_label()} (fresh, migrated in {time.perf_counter() - started:.1f}s)")
        read_started = time.perf_counter()
        documents = read_documents(args.path, args.limit)
        report_text_stage(documents, time.perf_counter() - read_started)
        report_ingestion(documents)
        report_seeds()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
