"""PostgreSQL stopped mid-job: the work waits for it and resumes, nothing is lost.

Everything here runs against a private PostgreSQL cluster and a private Redis that the test
starts and stops itself, with a real worker and its beat, and the product's own commands.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import ROOT, SEED_DIR, WorkerProcess
from tests.processes import PostgresCluster, RedisServer

pytestmark = [pytest.mark.worker]

COUNTS = {
    "articles": "SELECT count(*) FROM sources_article",
    "sentences": "SELECT count(*) FROM sources_sentence",
    "claims": "SELECT count(*) FROM claims_claim WHERE deleted_at IS NULL",
    "machine links": "SELECT count(*) FROM claims_evidence WHERE withdrawn_at IS NULL "
    "AND method IN ('lexical', 'semantic', 'figure')",
    "groups": "SELECT count(*) FROM claims_duplicategroup",
    "jobs succeeded": "SELECT count(*) FROM claims_job WHERE state = 'succeeded'",
}


@dataclass
class Installation:
    postgres: PostgresCluster
    redis: RedisServer
    worker: WorkerProcess
    env: dict[str, str]

    def manage(self, *args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.postgres.url(), connect_timeout=2) as conn:
            return conn.execute(sql).fetchall()

    def counts(self) -> dict[str, int]:
        return {name: int(self.query(sql)[0][0]) for name, sql in COUNTS.items()}


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[Installation]:
    postgres, redis = PostgresCluster(), RedisServer(tmp_path / "redis")
    postgres.init()
    redis.start()
    env = {
        **os.environ,
        "DATABASE_URL": postgres.url(),
        "CELERY_BROKER_URL": redis.url,
        "CELERY_QUEUE": f"workbench-pg-{uuid.uuid4().hex[:8]}",
        "CELERY_VISIBILITY_TIMEOUT": "3600",
        "JOB_HEARTBEAT_SECONDS": "1",
        "JOB_SWEEP_SECONDS": "2",
        "JOB_RESEND_SECONDS": "5",
        "SECRET_KEY": "outage-test",
        "WORKBENCH_VAR_DIR": str(tmp_path),
        # The test empties the tables between its two runs, past the guard on append-only tables.
        "PGOPTIONS": "-c workbench.allow_truncate=on",
    }
    worker = WorkerProcess(env, extra_args=("--beat", f"--schedule={tmp_path / 'beat-schedule'}"))
    site = Installation(postgres, redis, worker, env)
    try:
        site.manage("migrate", "--verbosity=0")
        worker.start()
        yield site
    finally:
        worker.stop()
        redis.stop()
        postgres.destroy()


def unfinished(site: Installation) -> list[tuple[Any, ...]]:
    return site.query("SELECT kind, state, done, total FROM claims_job WHERE state IN ('queued', 'running')")


def run_story(site: Installation, outage_seconds: float = 0) -> float:
    """Queue the sample story with the ingest command; with an outage, stop PostgreSQL once the match job runs.

    Returns the seconds from PostgreSQL's return to the last job's end.
    """
    site.manage("ingest", str(SEED_DIR), "--no-wait")
    back_at = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if (
            outage_seconds
            and back_at is None
            and site.query("SELECT 1 FROM claims_job WHERE kind = 'match' AND state = 'running'")
        ):
            site.postgres.stop()
            time.sleep(outage_seconds)
            site.postgres.start()
            back_at = time.monotonic()
        matched = site.query("SELECT 1 FROM claims_job WHERE kind = 'match' AND state = 'succeeded'")
        if matched and not unfinished(site) and (not outage_seconds or back_at is not None):
            return 0.0 if back_at is None else time.monotonic() - back_at
        time.sleep(0.2)
    raise AssertionError(f"jobs did not finish: {unfinished(site)}\n{site.worker.log.read_text()[-3000:]}")


def test_postgresql_stopped_mid_match_delays_the_jobs_and_loses_nothing(installation: Installation) -> None:
    run_story(installation)
    expected = installation.counts()
    installation.manage("flush", "--no-input")

    recovered_in = run_story(installation, outage_seconds=8)

    assert installation.counts() == expected
    failed = installation.query("SELECT count(*) FROM claims_job WHERE state = 'failed'")[0][0]
    assert failed == 0
    print(f"\nPostgreSQL down 8 s mid-match: every job finished {recovered_in:.1f} s after it came back")
