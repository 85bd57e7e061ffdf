"""The pipeline through real Celery workers on PostgreSQL: sentences per second end to end, by worker processes.

    python bench/pipeline_workers.py [PATH] --database-url postgres://…/NAME_bench --broker-url redis://…/N
        [--limit 300] [--concurrency 1 2] [--repeats 1] [--ways "one message" fan-out] [--precision auto]

PATH is any file ``manage.py ingest`` reads (default: the BBC News JSON Lines in ../shared/eval);
the first ``--limit`` records are taken. For every worker count and for two ways of running a job,
the script drops and re-creates the database (its name must contain "bench"), migrates it, starts one
``celery worker --concurrency N`` with one torch thread per process, queues the documents with
``manage.py ingest --no-wait`` and waits until the ingest job and every match job it started have
finished. The two ways, in the same run:

- ``one message``: ``INGEST_FANOUT=1`` and one match job after the whole ingest job (the path before
  fan-out: one worker process reads every document, and matching starts only at the end);
- ``fan-out``: the settings' defaults (``INGEST_FANOUT`` messages share the documents, and each
  batch of ``INGEST_MATCH_BATCH`` documents is matched as soon as it is stored).

``--precision fp32 bf16`` runs each with that ``ENCODER_PRECISION`` (the arithmetic of the encoder
and the pair scorer in the worker), so the two are measured in one run; the default is the
settings' ``auto``.

Prints, per run: wall time from the command to the last job finished, sentences per second, the
claims, the live machine links (which must agree between the two ways), the peak RSS of the
largest worker process, and the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from bench_db import postgres_prepare

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "bbc-news" / "bbc_articles.jsonl"
WAYS = {
    "one message": {"INGEST_FANOUT": "1", "INGEST_MATCH_BATCH": "1000000"},
    "fan-out": {},
}
FINISHED = ("succeeded", "partial", "failed")


@dataclass
class Run:
    way: str
    precision: str
    concurrency: int
    seconds: float
    sentences: int
    claims: int
    links: int
    automatic: int
    jobs: int
    peak_rss_mib: float
    load: tuple[float, float, float]

    @property
    def rate(self) -> float:
        return self.sentences / self.seconds if self.seconds else 0.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--broker-url", required=True)
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--ways", nargs="+", choices=list(WAYS), default=list(WAYS))
    parser.add_argument("--precision", nargs="+", choices=["auto", "fp32", "bf16"], default=["auto"])
    return parser.parse_args(argv)


def subset(path: Path, limit: int, folder: Path) -> Path:
    """The first ``limit`` records of a JSON Lines file (any other input is ingested whole)."""
    if path.suffix != ".jsonl":
        return path
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:limit]
    out = folder / f"first-{len(lines)}.jsonl"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def env_for(args: argparse.Namespace, way: str, var: Path, precision: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "CELERY_BROKER_URL": args.broker_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only"),
        "WORKBENCH_VAR_DIR": str(var),
        "WORKER_TORCH_THREADS": "1",
        "ENCODER_PRECISION": precision,
        **WAYS[way],
    }


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


@contextmanager
def worker(env: dict[str, str], concurrency: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workbench", "worker", f"--concurrency={concurrency}",
         "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--purge"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def peak_rss_mib(root_pid: int) -> float:
    """The largest high-water RSS among the worker's processes (VmHWM), in MiB."""
    peak = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if int(fields.get("PPid", "0").strip()) in (root_pid,) or status.parent.name == str(root_pid):
            peak = max(peak, int(fields.get("VmHWM", "0 kB").split()[0]))
    return peak / 1024


def unfinished_jobs(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM claims_job WHERE NOT (state = ANY(%s))", (list(FINISHED),)).fetchone()
    return int(row[0]) if row else 0


LIVE_MACHINE_LINKS = (
    "SELECT count(*) FROM claims_evidence WHERE method IN ('lexical', 'semantic', 'figure') AND withdrawn_at IS NULL"
)
COUNTS = (
    "SELECT count(*) FROM sources_sentence",
    "SELECT count(*) FROM claims_claim WHERE deleted_at IS NULL",
    LIVE_MACHINE_LINKS,
    LIVE_MACHINE_LINKS + " AND strength = 'auto'",
    "SELECT count(*) FROM claims_job",
)


def counts(conn: psycopg.Connection) -> tuple[int, ...]:
    """Sentences, live claims, live machine links, the automatic ones among them, and jobs."""
    return tuple(int((conn.execute(q).fetchone() or (0,))[0]) for q in COUNTS)


def one_run(args: argparse.Namespace, data: Path, way: str, precision: str, concurrency: int, var: Path) -> Run:
    postgres_prepare(args.database_url, drop=True)
    env = env_for(args, way, var, precision)
    manage(env, "migrate", "--noinput")
    with worker(env, concurrency, var / f"worker-{concurrency}.log") as proc:
        time.sleep(3)  # the worker connects before the clock starts; its model loads on the first job
        started = time.monotonic()
        manage(env, "ingest", str(data), "--no-wait")
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            time.sleep(1)
            while unfinished_jobs(conn):
                if time.monotonic() - started > args.timeout:
                    raise SystemExit(f"{way}, {concurrency} process(es): jobs unfinished after {args.timeout:.0f} s")
                time.sleep(0.25)
            seconds = time.monotonic() - started
            sentences, claims, links, automatic, jobs = counts(conn)
        peak = peak_rss_mib(proc.pid)
    return Run(way, precision, concurrency, seconds, sentences, claims, links, automatic, jobs, peak, os.getloadavg())


def report(runs: list[Run]) -> None:
    print(f"\n{'way':<12} {'prec':>4} {'procs':>5} {'wall s':>8} {'sent/s':>8} {'sentences':>9} {'claims':>7} "
          f"{'links':>6} {'auto':>5} {'jobs':>5} {'peak RSS':>9}  load")  # fmt: skip
    for r in runs:
        load = " ".join(f"{x:.1f}" for x in r.load)
        print(
            f"{r.way:<12} {r.precision:>4} {r.concurrency:>5} {r.seconds:>8.1f} {r.rate:>8.1f} {r.sentences:>9} "
            f"{r.claims:>7} {r.links:>6} {r.automatic:>5} {r.jobs:>5} {r.peak_rss_mib:>7.0f}Mi  {load}"
        )


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="wb-pipeline-") as tmp:
        var = Path(tmp)
        data = subset(args.path, args.limit, var)
        for _ in range(args.repeats):
            for concurrency in args.concurrency:
                for way in args.ways:
                    for precision in args.precision:
                        run = one_run(args, data, way, precision, concurrency, var)
                        print(json.dumps(run.__dict__ | {"sentences_per_s": round(run.rate, 1)}), flush=True)
                        runs.append(run)
    report(runs)


if __name__ == "__main__":
    main()
