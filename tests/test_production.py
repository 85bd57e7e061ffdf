"""Production serving: health and readiness, JSON logs, static files with DEBUG=0, check --deploy.

The servers here are real gunicorn processes started with workbench/gunicorn.conf.py, as
docs/deploy.md runs them; "database down" is a DATABASE_URL at a port nothing listens on.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from django.test import Client

from claims import tasks
from tests.conftest import ROOT, WorkerProcess
from workbench import health
from workbench.celery import app
from workbench.logs import JsonFormatter

ENV_EXAMPLE = ROOT / "deploy" / "workbench.env.example"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The documented env file (deploy/workbench.env.example) pointed at this machine's services."""
    # Only what a deployment has: not the test runner's DJANGO_ALLOW_ASYNC_UNSAFE or test broker.
    prefixes = ("CELERY_", "SECURE_", "DEBUG", "GUNICORN_", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    broker = os.environ.get("CELERY_TEST_BROKER_URL") or "redis://127.0.0.1:6379/15"
    env.update(
        DJANGO_SETTINGS_MODULE="workbench.settings",
        SECRET_KEY="test-only-" + "k3y" * 20,
        DATABASE_URL=os.environ.get("DATABASE_URL", "sqlite:///unused.sqlite3"),
        CELERY_BROKER_URL=broker,
        CACHE_URL=broker,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        WORKBENCH_VAR_DIR=str(tmp_path),
        LOG_LEVEL="WARNING",
    )
    env.update(overrides)
    return env


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def closed_port_url() -> str:
    return f"postgres://postgres@127.0.0.1:{free_port()}/workbench"


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    """Start gunicorn with the committed config and the given env; stopped after the test."""
    started: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str]) -> str:
        port = free_port()
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1", "GUNICORN_THREADS": "2"}
        log = (tmp_path / f"gunicorn-{port}.log").open("wb")
        proc = subprocess.Popen(
            [GUNICORN, "-c", "workbench/gunicorn.conf.py", "workbench.wsgi"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        started.append(proc)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while not answers(f"{base}/healthz"):
            assert proc.poll() is None, (tmp_path / f"gunicorn-{port}.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
            time.sleep(0.2)
        return base

    yield start
    for proc in started:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


# --- /healthz and /readyz -----------------------------------------------------------------------


def test_healthz_answers_without_a_database_query(client: Client) -> None:
    # No django_db mark: any query would raise here.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_readyz_without_a_broker_says_no_worker_is_needed(client: Client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "ok", "detail": "postgresql"}
    assert body["checks"]["broker"]["status"] == "not_needed"
    assert body["checks"]["workers"] == {"status": "not_needed", "detail": "jobs run in-process (no CELERY_BROKER_URL)"}


def test_a_server_whose_database_is_down_is_alive_but_not_ready(serve, tmp_path: Path) -> None:
    base = serve(production_env(tmp_path, DATABASE_URL=closed_port_url(), CELERY_BROKER_URL=""))

    alive = httpx.get(f"{base}/healthz")
    ready = httpx.get(f"{base}/readyz")

    assert alive.status_code == 200
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/json"
    checks = ready.json()["checks"]
    assert checks["database"]["status"] == "fail"
    assert "OperationalError" in checks["database"]["detail"]
    assert checks["broker"]["status"] == "not_needed"


@pytest.mark.django_db
def test_readyz_reports_an_unreachable_broker_with_503(client: Client) -> None:
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=f"redis://127.0.0.1:{free_port()}/0", task_always_eager=False)
    try:
        response = client.get("/readyz")
    finally:
        app.conf.update(saved)

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["broker"]["status"] == "fail"
    assert "ConnectionError" in checks["broker"]["detail"]
    assert checks["workers"] == {"status": "fail", "detail": "broker unreachable"}


@pytest.mark.worker
def test_readyz_sees_a_worker_run_the_heartbeat_and_reports_it_stale_once_old(
    celery_worker: WorkerProcess, client: Client, settings
) -> None:
    settings.WORKER_HEARTBEAT_MAX_AGE = 60
    store = redis.Redis.from_url(app.conf.broker_url)
    store.delete(health.heartbeat_key())

    before = client.get("/readyz")
    tasks.record_worker_heartbeat.delay()
    deadline = time.monotonic() + 30
    while (after := client.get("/readyz")).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.3)
    health.heartbeat_record(worker="celery@gone", at=time.time() - 61)
    stale = client.get("/readyz")
    store.delete(health.heartbeat_key())

    assert before.status_code == 503
    assert before.json()["checks"]["workers"]["status"] == "stale"
    assert after.status_code == 200, after.json()
    assert after.json()["checks"]["broker"] == {"status": "ok", "detail": "redis"}
    assert re.fullmatch(
        r"celery@\S+ ran the heartbeat \d+ s ago \(bound 60 s\)", after.json()["checks"]["workers"]["detail"]
    )
    assert stale.status_code == 503
    assert stale.json()["checks"]["workers"] == {
        "status": "stale",
        "detail": "celery@gone ran the heartbeat 61 s ago (bound 60 s)",
    }


def test_beat_sends_the_heartbeat_more_often_than_readiness_calls_it_stale(settings) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]

    assert entry["task"] == tasks.record_worker_heartbeat.name
    assert entry["schedule"] * 2 <= settings.WORKER_HEARTBEAT_MAX_AGE


# --- logs ---------------------------------------------------------------------------------------


def test_the_json_formatter_writes_one_object_with_extras_and_the_exception() -> None:
    logger = logging.getLogger("workbench.test")
    try:
        raise ValueError("bad offset")
    except ValueError:
        record = logger.makeRecord(
            "workbench.test", logging.ERROR, __file__, 1, "job %s failed", (7,), sys.exc_info(), extra={"job_id": 7}
        )

    line = JsonFormatter().format(record)

    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "workbench.test"
    assert entry["message"] == "job 7 failed"
    assert entry["job_id"] == 7
    assert "ValueError: bad offset" in entry["exception"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])


def test_every_request_is_logged_with_its_id_method_path_status_and_duration(client: Client, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="workbench.request"):
        given = client.get("/healthz", headers={"X-Request-ID": "edge-42"})
        forged = client.get("/healthz", headers={"X-Request-ID": "a\nfake log line"})

    first, second = (r for r in caplog.records if r.name == "workbench.request")
    assert given["X-Request-ID"] == "edge-42"
    assert (first.request_id, first.method, first.path, first.status) == ("edge-42", "GET", "/healthz", 200)
    assert first.duration_ms >= 0
    assert re.fullmatch(r"[0-9a-f]{32}", forged["X-Request-ID"])
    assert second.request_id == forged["X-Request-ID"]
    assert json.loads(JsonFormatter().format(first))["path"] == "/healthz"


# --- static files and check --deploy ------------------------------------------------------------


def test_with_debug_off_static_files_are_served_hashed_and_compressed(serve, tmp_path: Path) -> None:
    env = production_env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    base = serve(env)

    # As the TLS proxy forwards them (SECURE_SSL_REDIRECT=1 would redirect plain HTTP).
    https = {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}
    login = httpx.get(f"{base}/accounts/login/", headers=https)
    assets = {
        name: httpx.get(f"{base}/static/{manifest[name]}", headers=https)
        for name in (
            "css/app.css",
            "js/htmx.min.js",
            "js/keys.js",
            "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
            "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js",
        )
    }

    assert login.status_code == 200
    assert f'href="/static/{manifest["css/app.css"]}"' in login.text
    assert f'src="/static/{manifest["js/htmx.min.js"]}"' in login.text
    for name, response in assets.items():
        assert response.status_code == 200, name
        assert response.headers["content-encoding"] == "gzip", name
        assert "max-age=315360000" in response.headers["cache-control"], name
    assert assets["css/app.css"].headers["content-type"].startswith("text/css")
    assert "htmx" in assets["js/htmx.min.js"].text


def test_before_collectstatic_pages_link_and_serve_the_plain_static_names(serve, tmp_path: Path) -> None:
    base = serve(production_env(tmp_path))
    https = {"X-Forwarded-Proto": "https"}

    login = httpx.get(f"{base}/accounts/login/", headers=https)
    stylesheet = httpx.get(f"{base}/static/css/app.css", headers=https)

    assert not (tmp_path / "static").exists()
    assert login.status_code == 200
    assert 'href="/static/css/app.css"' in login.text
    assert stylesheet.status_code == 200
    assert stylesheet.headers["content-type"].startswith("text/css")


def test_check_deploy_is_clean_under_the_documented_production_env(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
