"""Jobs on a thread of the web process: the demo server's stand-in for workers (``JOBS_IN_BACKGROUND``).

With no broker, a job runs in-process (Celery's eager mode) inside the call that sends it. A command
should wait for its jobs like that, but an upload would hold the browser until every article is in,
with no progress to watch. The demo server sets ``JOBS_IN_BACKGROUND``: each job sent is handed to
one thread, which runs them one after another in the order sent (SQLite takes one writer at a time,
and a match job queued behind its ingest job finds the articles committed), so the upload answers
at once and the job page follows the job as it would with workers. The thread runs the same task a
worker runs (``claims.tasks.run_job``), so a job is claimed, resumed and finished by the same rules.

A job the thread had not finished when the server stopped is left queued or running with nobody on
it; ``manage.py demo`` runs such jobs at the next start (``sweeper.jobs_run_unfinished``).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import Task
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)

_jobs: queue.Queue[tuple[Task[Any, Any], int]] = queue.Queue()
_start = threading.Lock()
_gate = threading.Lock()  # held by ``held()``: the thread takes no next job meanwhile
_runner: list[threading.Thread] = []  # the one thread, once started


def job_run_in_background(*, task: Task[Any, Any], job_id: int) -> None:
    """Queue the job for the thread (starting it if needed) and return at once."""
    _jobs.put((task, job_id))
    with _start:
        if not _runner or not _runner[0].is_alive():
            _runner[:] = [threading.Thread(target=_drain, name="workbench-jobs", daemon=True)]
            _runner[0].start()


def jobs_wait_idle(*, timeout: float) -> bool:
    """Whether every job handed to the thread has run, waiting up to ``timeout`` seconds for it."""
    done = threading.Event()

    def wait() -> None:
        _jobs.join()
        done.set()

    threading.Thread(target=wait, daemon=True).start()
    return done.wait(timeout)


@contextmanager
def held() -> Iterator[None]:
    """While inside, the thread starts no next job (the one it is on goes on): what was sent stays queued."""
    with _gate:
        yield


def _drain() -> None:
    while True:
        task, job_id = _jobs.get()
        try:
            with _gate:
                close_old_connections()
                task.apply(args=(job_id,))
        except Exception:  # the thread must outlive any one job; the job's own row says what failed
            logger.exception("background job %s failed outside its own error handling", job_id)
        finally:
            connections.close_all()
            _jobs.task_done()
