"""Shared fixtures: users per role, the seed corpus, and a real Celery worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import kombu.pools
import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection

from claims.jobs import ingest as ingest_jobs
from claims.jobs import runner as job_runner
from claims.models import Job
from claims.roles import Role
from sources.text.reading import read_paths

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "samples" / "seed"
DEFAULT_TEST_BROKER = "redis://127.0.0.1:6379/15"


def user_with_role(username: str, role: Role | None) -> User:
    user = User.objects.create_user(username=username, password="correct horse battery")
    if role is not None:
        # get_or_create: a transactional test before this one flushed the migration's role groups.
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


@pytest.fixture
def viewer(db: None) -> User:
    return user_with_role("vera-viewer", Role.VIEWER)


@pytest.fixture
def reviewer(db: None) -> User:
    return user_with_role("rita-reviewer", Role.REVIEWER)


@pytest.fixture
def second_reviewer(db: None) -> User:
    return user_with_role("ravi-reviewer", Role.REVIEWER)


@pytest.fixture
def admin_user(db: None) -> User:
    return user_with_role("ada-admin", Role.ADMIN)


@pytest.fixture
def outsider(db: None) -> User:
    """Logged in, but holds no role."""
    return user_with_role("otto-outsider", None)


def ingest_paths_now(*paths: Path) -> Job:
    """Queue and run an ingest job in this process (the service a worker would run)."""
    job = ingest_jobs.job_create_ingest(documents=read_paths(paths, max_bytes=settings.MAX_ARTICLE_BYTES))
    job_runner.job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


@pytest.fixture
def seed_corpus(db: None) -> Job:
    return ingest_paths_now(SEED_DIR)


def _reset_broker_connections() -> None:
    from workbench.celery import app

    # Pools hold connections to the old broker; drop them so the next send uses the new config.
    kombu.pools.reset()
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("worker tests need PostgreSQL: run them with DATABASE_URL=postgres://… (see scripts/test)")
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class WorkerProcess:
    """A `celery worker` subprocess bound to the test database and a private Redis queue."""

    def __init__(self, env: dict[str, str], extra_args: tuple[str, ...] = ()) -> None:
        self.env = env
        self.extra_args = extra_args
        self.restarts = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = Path(env["WORKBENCH_VAR_DIR"]) / f"worker-{uuid.uuid4().hex[:6]}.log"

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workbench", "worker", "--pool=prefork", "--concurrency=1",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat", *self.extra_args],
            cwd=ROOT, env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while "ready." not in self.log.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"celery worker did not start:\n{self.log.read_text(errors='replace')}")
            time.sleep(0.2)

    def restart_if_dead(self) -> bool:
        """Start the worker again if it exited, as its supervisor (systemd's Restart=always) would."""
        if self.proc is not None and self.proc.poll() is not None:
            self.restarts += 1
            self.start()
            return True
        return False

    def kill(self) -> None:
        """Kill the worker and its pool children at once, as a crash or OOM would."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker_database_url(transactional_db: None) -> str:
    """The URL the worker connects with: the test database as the tests' own role, unless a test
    overrides this fixture (tests/accounts connects a worker as the application's role)."""
    return _database_url()


@pytest.fixture
def celery_worker(transactional_db: None, tmp_path: Path, worker_database_url: str) -> Iterator[WorkerProcess]:
    """Route this test's tasks through Redis to a real worker process."""
    from workbench.celery import app

    broker = os.environ.get("CELERY_TEST_BROKER_URL") or DEFAULT_TEST_BROKER
    queue = f"workbench-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": worker_database_url,
        "CELERY_BROKER_URL": broker,
        "CELERY_QUEUE": queue,
        "CELERY_VISIBILITY_TIMEOUT": "10",
        "SECRET_KEY": "worker-test",
        "WORKBENCH_VAR_DIR": str(tmp_path),
    }
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")}
    app.conf.update(broker_url=broker, task_always_eager=False, task_default_queue=queue)
    _reset_broker_connections()
    worker = WorkerProcess(env)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        app.conf.update(saved)
        _reset_broker_connections()
