"""Liveness and readiness for supervisors, load balancers and monitoring.

``/healthz`` says the process answers (no database, no broker): restart it when this fails.
``/readyz`` checks what serving needs: the database, the broker when one is configured, and
that a worker ran the heartbeat task recently. Celery beat sends ``claims.tasks.record_worker_heartbeat``
to the jobs queue every WORKER_HEARTBEAT_SECONDS; the worker that runs it writes the time into the
broker's Redis, so a stale time means no worker took a message from the jobs queue (or beat is down).
With no broker, jobs run in-process and no worker is needed.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import asdict, dataclass
from typing import Any

import redis
from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from workbench.celery import app

OK, FAIL, STALE, SKIPPED = "ok", "fail", "stale", "not_needed"
# Seconds a probe waits for Redis before calling it unreachable.
REDIS_TIMEOUT = 2.0
# The heartbeat outlives any sensible bound, then disappears by itself.
HEARTBEAT_TTL = 86_400


@dataclass(frozen=True, slots=True)
class Check:
    status: str
    detail: str

    @property
    def healthy(self) -> bool:
        return self.status in (OK, SKIPPED)


def _broker_url() -> str | None:
    """The broker jobs go to, or None when they run in-process (eager)."""
    if app.conf.task_always_eager:
        return None
    url: str = app.conf.broker_url
    return url


def heartbeat_key() -> str:
    return f"workbench:worker-heartbeat:{app.conf.task_default_queue}"


def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)


def heartbeat_record(*, worker: str, at: float | None = None) -> None:
    """Note that ``worker`` ran a task from the jobs queue at ``at`` (now by default)."""
    url = _broker_url()
    if url is None:
        return
    value = json.dumps({"at": time.time() if at is None else at, "worker": worker})
    with _redis(url) as client:
        client.set(heartbeat_key(), value, ex=HEARTBEAT_TTL)


def check_database() -> Check:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return Check(FAIL, f"{type(exc).__name__}: {exc}".strip()[:300])
    return Check(OK, connections["default"].vendor)


def check_broker_and_workers(max_age: float) -> tuple[Check, Check]:
    url = _broker_url()
    if url is None:
        in_process = "jobs run in-process (no CELERY_BROKER_URL)"
        return Check(SKIPPED, in_process), Check(SKIPPED, in_process)
    try:
        with _redis(url) as client:
            client.ping()
            raw = client.get(heartbeat_key())
    except (redis.RedisError, OSError) as exc:
        return Check(FAIL, f"{type(exc).__name__}: {exc}"[:300]), Check(FAIL, "broker unreachable")
    if raw is None:
        return Check(OK, "redis"), Check(STALE, f"no worker has run the heartbeat in the last {HEARTBEAT_TTL} s")
    beat = json.loads(raw)
    age = max(0.0, time.time() - float(beat["at"]))
    seen = f"{beat['worker']} ran the heartbeat {age:.0f} s ago"
    return Check(OK, "redis"), Check(OK if age <= max_age else STALE, f"{seen} (bound {max_age:.0f} s)")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive: no database or broker round trip."""
    return JsonResponse({"status": OK, "host": socket.gethostname()})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Each check with its status; 200 when all are healthy, else 503."""
    broker, workers = check_broker_and_workers(settings.WORKER_HEARTBEAT_MAX_AGE)
    checks = {"database": check_database(), "broker": broker, "workers": workers}
    healthy = all(check.healthy for check in checks.values())
    body: dict[str, Any] = {
        "status": OK if healthy else FAIL,
        "checks": {name: asdict(check) for name, check in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)
