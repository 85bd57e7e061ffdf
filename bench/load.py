"""Load benchmark: reviewers reading and recording verdicts against a served workbench, while an ingest job runs.

    python bench/load.py --database-url postgres://…/NAME --seed 300            # once: build the corpus
    python bench/load.py --database-url postgres://…/NAME --serve runserver gunicorn-default production
    python bench/load.py --database-url postgres://…/NAME --base-url http://127.0.0.1:8000   # a running server
    python bench/load.py --database-url postgres://…/NAME --serve production --code /tmp/main .  # before/after
    python bench/load.py --database-url sqlite:////tmp/wb-load/bench.sqlite3 --seed 20 --clients 4   # the demo's store
    python bench/load.py --database-url sqlite:////tmp/wb-load/bench.sqlite3 --serve demo --clients 4 --ingest 50

``--seed N`` DROPS and re-creates the database (its name must contain "bench"), ingests N articles
(the BBC News corpus if present, else numbered copies of the seed articles) and makes one reviewer per
client, each with a review-scoped API token and a signed-in session. ``--serve`` starts each named
server on a loopback port in turn (runserver as the README's demo runs it; ``gunicorn workbench.wsgi``
with gunicorn's defaults; ``production``: ``gunicorn -c workbench/gunicorn.conf.py`` as
docs/deploy.md runs it; ``demo``: runserver as ``scripts/demo`` runs it, on a SQLite ``--database-url``, jobs
on a thread of the server and no worker), after ``collectstatic``, with one Celery worker started as the deploy
documents it (nice 10, --concurrency 2, Redis from ``--broker-url``). ``--code`` serves them from each
of several checkouts in turn (another branch's, then this one), so a change is measured against its
base in one run, on one corpus, with one load generator. ``--base-url`` measures a server that is
already running instead.

Each of ``--clients`` clients (own keep-alive connection, own reviewer; all of them coroutines of one
event loop, so the generator costs the shared cores about 0.4 ms of CPU a request) loops for ``--duration``
seconds over a fixed mix: 80% reads (API claim list, API claim detail, API article list, the
claim page and the review queue in the web interface) and 20% verdicts (POST /api/v1/reviews/ with
If-Match: *). At the start an ingest job of ``--ingest`` new articles is posted to /api/v1/ingest/.
Prints requests/s, p50/p95/p99 per kind and overall, the 5xx count, the load average, and checks in
the database that every review the server accepted (201) is stored.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import httpx
import psycopg
from bench_db import postgres_prepare

ROOT = Path(__file__).resolve().parent.parent
BBC = ROOT.parent / "shared" / "eval" / "bbc-news" / "bbc_articles.jsonl"
SEED_DIR = ROOT / "samples" / "seed"
GUNICORN_KNOBS = ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_WORKER_CLASS")
USERS = "bench/load_users.json"  # written by --seed into the var dir: the reviewers' tokens and sessions
# (kind, weight): 80% reads, 20% verdicts.
MIX = [
    ("api claim list", 20),
    ("api claim detail", 20),
    ("api article list", 15),
    ("web claim page", 15),
    ("web queue", 10),
    ("api verdict (write)", 20),
]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--database-url", required=True, help="postgres://…/NAME or sqlite:///PATH (the name must contain 'bench')"
    )
    parser.add_argument("--seed", type=int, default=0, help="re-create the database with this many articles")
    parser.add_argument("--profile", type=int, default=0, help="profile each kind of request this many times")
    parser.add_argument("--users-only", action="store_true", help="with --seed: keep the articles, remake reviewers")
    parser.add_argument(
        "--serve", nargs="*", default=[], choices=["runserver", "gunicorn-default", "production", "demo"]
    )
    parser.add_argument(
        "--code",
        nargs="+",
        type=Path,
        default=[ROOT],
        help="serve each --serve kind from each of these checkouts in turn (e.g. main's, then this one)",
    )
    parser.add_argument("--base-url", default=None, help="measure this running server instead of --serve")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/13", help="Redis for the worker (--serve)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds per server")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds first")
    parser.add_argument("--ingest", type=int, default=30, help="articles in the ingest job run meanwhile")
    parser.add_argument("--var-dir", type=Path, default=Path(tempfile.gettempdir()) / "workbench-load")
    return parser.parse_args(argv)


# --- corpus and users ------------------------------------------------------------------------


def documents(start: int, count: int) -> list[dict[str, str]]:
    """``count`` article records for the ingest API: BBC News from record ``start``, else seed copies."""
    if BBC.exists():
        out = []
        with BBC.open(encoding="utf-8") as lines:
            for line in itertools.islice(lines, start, start + count):
                record = json.loads(line)
                out.append({"title": record["title"], "text": "\n\n".join(record["paragraphs"]), "outlet": "BBC"})
        return out
    seeds = sorted(SEED_DIR.glob("*.txt"))
    return [
        {"title": f"seed copy {n}", "text": f"{seeds[n % len(seeds)].read_text()}\n\nCopy {n} of the seed."}
        for n in range(start, start + count)
    ]


def is_sqlite(database_url: str) -> bool:
    return database_url.startswith("sqlite:")


def sqlite_path(database_url: str) -> Path:
    """The file of a sqlite:/// URL, read as the settings read it (sqlite:///var/x is relative)."""
    return Path(str(dj_database_url.parse(database_url)["NAME"]))


def query(database_url: str, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
    """Rows of one query, on PostgreSQL or the demo's SQLite file (``%s`` placeholders either way)."""
    if is_sqlite(database_url):
        with closing(sqlite3.connect(sqlite_path(database_url), timeout=60)) as conn:
            return conn.execute(sql.replace("%s", "?"), tuple(params)).fetchall()
    with psycopg.connect(database_url) as conn:
        return conn.execute(sql, tuple(params)).fetchall()


def server_env(args: argparse.Namespace, *, broker: bool) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
        "DATABASE_URL": args.database_url,
        "SECRET_KEY": "bench-only-secret",
        "DEBUG": "0",
        "CELERY_BROKER_URL": args.broker_url if broker else "",
        "CELERY_QUEUE": "workbench-load-bench",
        "WORKBENCH_VAR_DIR": str(args.var_dir),
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_COOKIES": "0",  # loopback over plain HTTP
    }


def seed(args: argparse.Namespace) -> None:
    """Fresh database, ``args.seed`` articles ingested in-process, one reviewer per client.

    With ``--users-only``, only the reviewers are (re)made, on the articles already stored.
    """
    if args.users_only:
        pass
    elif is_sqlite(args.database_url):
        path = sqlite_path(args.database_url)
        if "bench" not in path.name:
            raise SystemExit("--seed deletes the database: its file name must contain 'bench'")
        for stale in path.parent.glob(f"{path.name}*"):  # the file, its -wal and -shm
            stale.unlink()
    else:
        postgres_prepare(args.database_url, drop=True)
    os.environ.update(server_env(args, broker=False))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from claims.jobs import ingest as ingest_jobs
    from claims.jobs import runner as job_runner
    from claims.models import TokenScope
    from claims.roles import Role
    from claims.services import tokens as token_services
    from sources.models import Article
    from sources.text.reading import document_from_mapping

    call_command("migrate", verbosity=0)
    records = documents(0, args.seed)
    for start in range(0, len(records) if not args.users_only else 0, 100):
        batch = records[start : start + 100]
        docs = [document_from_mapping(record, f"load-seed:{start + n}") for n, record in enumerate(batch)]
        job = ingest_jobs.job_create_ingest(documents=docs)
        job_runner.job_run(job_id=job.pk)
        print(f"  seeded {start + len(docs)} articles", file=sys.stderr)
    reviewers = Group.objects.get(name=Role.REVIEWER.value)
    users = []
    User.objects.filter(username__startswith="load-reviewer-").update(is_active=False)
    for n in range(args.clients):
        user = User.objects.create_user(f"load-reviewer-{n:02}-{time.time_ns() % 10**8}", password=None)
        user.groups.add(reviewers)
        _, token = token_services.token_create(user=user, scope=TokenScope.REVIEW)
        # A signed-in session without a password round (PBKDF2 would cost the server ~0.3 s a login).
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        # The configured backend: a session naming any other is signed out on its next request.
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        users.append({"token": token, "session": session.session_key})
    path = args.var_dir / USERS
    path.parent.mkdir(parents=True, exist_ok=True)
    # The ingest jobs run during measurements take the records after those stored.
    path.write_text(json.dumps({"users": users, "seeded": max(args.seed, Article.objects.count())}))


# --- servers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_command(kind: str, port: int) -> list[str]:
    bind = f"127.0.0.1:{port}"
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    if kind in ("runserver", "demo"):
        return [sys.executable, "manage.py", "runserver", bind, "--noreload"]
    if kind == "gunicorn-default":
        return [gunicorn, "workbench.wsgi", "--bind", bind]
    return [gunicorn, "-c", "workbench/gunicorn.conf.py", "workbench.wsgi", "--bind", bind]


def wait_until_up(url: str, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited during start-up")
        time.sleep(0.3)
    raise SystemExit(f"{what} did not answer within 90 s")


@contextmanager
def served(args: argparse.Namespace, kind: str, root: Path) -> Iterator[tuple[str, int]]:
    """A worker and the ``kind`` web server on a free loopback port; both stopped afterwards.

    ``demo``: no worker; the server runs jobs on a thread of its own, as ``scripts/demo`` starts it.
    """
    env = server_env(args, broker=kind != "demo")
    if kind == "demo":
        env.update(DEBUG="1", JOBS_IN_BACKGROUND="1")
    log = (args.var_dir / f"{kind}.log").open("wb")
    worker = None if kind == "demo" else subprocess.Popen(
        ["nice", "-n", "10", sys.executable, "-m", "celery", "-A", "workbench", "worker", "--concurrency", "2",
         "--max-tasks-per-child", "200", "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    port = free_port()
    web = subprocess.Popen(
        server_command(kind, port), cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", web, kind)
        yield f"http://127.0.0.1:{port}", web.pid
    finally:
        procs = [p for p in (web, worker) if p is not None]
        for proc in procs:
            os.killpg(proc.pid, 15)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
        log.close()


# --- profile: each kind of request in-process, its CPU time and queries ----------------------------


def profile(args: argparse.Namespace, rounds: int) -> None:
    """Each kind of the mix ``rounds`` times through Django's test client (no network): the median
    CPU time (process time) of the request and its query count, as the web server pays them."""
    os.environ.update(server_env(args, broker=False), ALLOWED_HOSTS="testserver")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user = json.loads((args.var_dir / USERS).read_text())["users"][0]
    client = Client(HTTP_AUTHORIZATION=f"Token {user['token']}")
    client.cookies["sessionid"] = user["session"]
    claims, _ = ids_of(args.database_url)
    rng = random.Random(7)
    print(f"\n{'request':22} {'CPU ms (median)':>16} {'queries':>8}")
    for kind, _ in MIX:
        cpu: list[float] = []
        queries: list[int] = []
        for _ in range(rounds):
            call = call_for(kind, rng.choice(claims), rng)
            with CaptureQueriesContext(connection) as captured:
                started = time.process_time()
                if call.body is None:
                    response = client.get(call.path)
                else:
                    response = client.post(call.path, call.body, content_type="application/json", HTTP_IF_MATCH="*")
                cpu.append((time.process_time() - started) * 1000)
            if response.status_code >= 300:
                raise SystemExit(f"{call.path} answered {response.status_code}")
            queries.append(len(captured.captured_queries))
        print(f"{kind:22} {pct(cpu, 50):16.1f} {min(queries):>4}-{max(queries):<3}")


# --- CPU accounting: what a request costs, whatever else shares the machine ---------------------

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pgid: int) -> float:
    """CPU seconds so far of the web server's process group, children it reaped included.

    (PostgreSQL's share is not counted: a backend that exits mid-run takes its CPU time with it.)
    """
    total = 0.0
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        # After the command name: state, ppid, pgrp, ...; utime, stime, cutime, cstime are fields 11-14.
        fields = stat[stat.rindex(")") + 2 :].split() if stat else []
        if fields and int(fields[2]) == pgid:
            total += sum(int(x) for x in fields[11:15]) / TICK
    return total


# --- load -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    accepted: list[int] = field(default_factory=list)
    sent: int = 0  # every request, warm-up ones too (for CPU per request)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ms: float, status: int, review_id: int | None) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(ms)
            self.statuses[status] += 1
            if review_id is not None:
                self.accepted.append(review_id)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def count_of(database_url: str, sql: str, params: Sequence[object] = ()) -> int:
    return int(str(query(database_url, sql, params)[0][0]))


def count_stored(database_url: str, review_ids: list[int]) -> int:
    """How many of these reviews are in the database (in batches: SQLite takes at most 32,766 parameters)."""
    found = 0
    for lo in range(0, len(review_ids), 500):
        batch = review_ids[lo : lo + 500]
        marks = ", ".join(["%s"] * len(batch))
        found += count_of(database_url, f"SELECT count(*) FROM claims_review WHERE id IN ({marks})", batch)
    return found


def ids_of(database_url: str) -> tuple[list[int], int]:
    claims = [int(str(row[0])) for row in query(database_url, "SELECT id FROM claims_claim WHERE deleted_at IS NULL")]
    return claims, count_of(database_url, "SELECT count(*) FROM claims_review")


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    path: str
    api: bool  # the API takes the token; the web pages the session cookie
    body: dict[str, object] | None = None


def call_for(kind: str, claim: int, rng: random.Random) -> Call:
    """The request a reviewer makes for ``kind`` of the mix."""
    if kind == "api claim list":
        return Call("GET", "/api/v1/claims/?page_size=50", True)
    if kind == "api claim detail":
        return Call("GET", f"/api/v1/claims/{claim}/", True)
    if kind == "api article list":
        return Call("GET", "/api/v1/articles/?page_size=50", True)
    if kind == "web claim page":
        return Call("GET", f"/claims/{claim}/", False)
    if kind == "web queue":
        return Call("GET", "/queue/", False)
    verdict = rng.choice(["corroborated", "contested"])
    return Call("POST", "/api/v1/reviews/", True, {"claim": claim, "verdict": verdict, "rationale": "load benchmark"})


class Connection:
    """One keep-alive HTTP/1.1 connection on asyncio streams: a request, then its whole response.

    The generator shares the two cores with the server, so it is kept cheap: one thread, one event
    loop, a few dozen lines of HTTP instead of an HTTP library's machinery per request (httpx threads
    cost 1.5 to 2 ms of CPU a request and contend for the GIL).
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            fields = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)}
            if "content-length" in fields:
                data = await self.reader.readexactly(int(fields["content-length"]))
            elif fields.get("transfer-encoding", "").lower() == "chunked":
                data = await self._chunks()
            else:
                data = await self.reader.read()
                fields["connection"] = "close"
        except (asyncio.IncompleteReadError, ConnectionError):
            self.close()
            raise
        if fields.get("connection", "").lower() == "close":
            self.close()
        return int(status_line.split()[1]), data

    async def _chunks(self) -> bytes:
        assert self.reader is not None
        out = bytearray()
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
            out += await self.reader.readexactly(size + 2)
            del out[-2:]
        await self.reader.readuntil(b"\r\n")
        return bytes(out)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def client_loop(
    base: str, user: dict[str, str], claims: list[int], rng: random.Random, stop: float, measure_from: float, t: Tally
) -> None:
    """One reviewer: the mix over one keep-alive connection (a new one if the server closes it)."""
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    address = urlsplit(base)
    connection = Connection(address.hostname or "127.0.0.1", address.port or 80)
    api = {"Authorization": f"Token {user['token']}"}
    web = {"Cookie": f"sessionid={user['session']}"}
    try:
        while (now := time.perf_counter()) < stop:
            kind = rng.choices(kinds, weights)[0]
            call = call_for(kind, rng.choice(claims), rng)
            review_id = None
            try:
                if call.body is None:
                    status, data = await connection.request("GET", call.path, api if call.api else web)
                else:
                    body = json.dumps(call.body).encode()
                    headers = {**api, "Content-Type": "application/json", "If-Match": "*"}
                    status, data = await connection.request("POST", call.path, headers, body)
                    if status == 201:
                        review_id = json.loads(data)["id"]
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                if now >= measure_from:
                    t.errors[type(exc).__name__] += 1
                await asyncio.sleep(0.05)
                continue
            t.sent += 1
            if review_id is not None or now >= measure_from:
                # Every accepted write is checked afterwards, warm-up ones too.
                t.add(kind if now >= measure_from else "warmup", (time.perf_counter() - now) * 1000, status, review_id)
    finally:
        connection.close()


async def clients(
    base: str, users: list[dict[str, str]], claims: list[int], n: int, stop: float, measure_from: float, t: Tally
) -> None:
    await asyncio.gather(
        *(client_loop(base, users[i % len(users)], claims, random.Random(i), stop, measure_from, t) for i in range(n))
    )


def post_ingest(base: str, token: str, docs: list[dict[str, str]], out: dict[str, object]) -> None:
    started = time.perf_counter()
    response = httpx.post(
        f"{base}/api/v1/ingest/", json={"documents": docs}, headers={"Authorization": f"Token {token}"}, timeout=600
    )
    out.update(status=response.status_code, seconds=time.perf_counter() - started)
    if response.status_code < 300:
        out["job"] = response.json().get("id")


def job_state(database_url: str, job_id: object) -> str:
    """The ingest job's state, and its match jobs' (which run after it, on the worker or the demo's thread)."""
    if not isinstance(job_id, int):
        return "not created"
    rows = query(
        database_url,
        "SELECT id, kind, state, done, total FROM claims_job WHERE id = %s OR follows_id = %s ORDER BY id",
        (job_id, job_id),
    )
    return "; ".join(f"{kind} job {pk} {state}, {done}/{total} items" for pk, kind, state, done, total in rows) or (
        "missing"
    )


@dataclass(frozen=True, slots=True)
class Result:
    server: str
    latencies: list[float]  # measured requests, ms
    seconds: float
    statuses: dict[int, int]
    errors: dict[str, int]
    accepted: int  # verdicts answered 201
    stored: int  # of those, found in the database afterwards
    new_reviews: int
    load: tuple[float, float, float]
    client_cores: float
    client_cpu_ms: float  # the load generator's CPU per request
    web_cpu_ms: float | None  # web server CPU per request (None: --base-url, not ours to read)
    ingest: str
    kinds: dict[str, list[float]]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def measure(args: argparse.Namespace, base: str, label: str, ingest_start: int, web_pgid: int | None) -> Result:
    users = json.loads((args.var_dir / USERS).read_text())["users"]
    claims, reviews_before = ids_of(args.database_url)
    tally = Tally()
    ingest: dict[str, object] = {}
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    web_before = cpu_seconds(web_pgid) if web_pgid is not None else 0.0
    start = time.perf_counter()
    measure_from = start + args.warmup
    stop = measure_from + args.duration
    ingester = threading.Thread(
        target=post_ingest, args=(base, users[0]["token"], documents(ingest_start, args.ingest), ingest), daemon=True
    )
    ingester.start()
    asyncio.run(clients(base, users, claims, args.clients, stop, measure_from, tally))
    load_avg = os.getloadavg()
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    web_after = cpu_seconds(web_pgid) if web_pgid is not None else 0.0
    ingester.join(timeout=1)
    client_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    stored = count_stored(args.database_url, sorted(set(tally.accepted)))
    reviews_after = count_of(args.database_url, "SELECT count(*) FROM claims_review")
    kinds = {kind: values for kind, values in tally.latencies.items() if kind != "warmup"}
    return Result(
        server=label,
        latencies=[ms for values in kinds.values() for ms in values],
        seconds=args.duration,
        statuses=dict(sorted(tally.statuses.items())),
        errors=dict(tally.errors),
        accepted=len(tally.accepted),
        stored=stored,
        new_reviews=reviews_after - reviews_before,
        load=load_avg,
        client_cores=client_cpu / (stop - start),
        client_cpu_ms=client_cpu * 1000 / max(tally.sent, 1),
        web_cpu_ms=(web_after - web_before) * 1000 / tally.sent if web_pgid is not None else None,
        ingest=f"POST {ingest.get('status', 'still running')} after {ingest.get('seconds', stop - start):.1f} s; "
        + job_state(args.database_url, ingest.get("job")),
        kinds=kinds,
    )


def report(r: Result) -> None:
    load = ", ".join(f"{x:.2f}" for x in r.load)
    print(
        f"\n== {r.server}: {len(r.latencies)} requests, {r.rate:.0f} req/s, p50 {pct(r.latencies, 50):.0f} ms, "
        f"p95 {pct(r.latencies, 95):.0f} ms, p99 {pct(r.latencies, 99):.0f} ms, 5xx {r.server_errors}, "
        f"connection errors {r.errors or 0}"
    )
    print(
        f"   statuses {r.statuses}; load average at the end {load}; load generator {r.client_cores:.2f} cores, "
        f"{r.client_cpu_ms:.2f} ms CPU a request"
    )
    web = f"{r.web_cpu_ms:.1f}" if r.web_cpu_ms is not None else "?"
    print(f"   web server CPU per request: {web} ms")
    lost = "LOST WRITES" if r.accepted != r.stored else "none lost"
    print(f"   verdicts accepted (201) {r.accepted}, stored {r.stored} ({lost}); review rows added {r.new_reviews}")
    print(f"   ingest meanwhile: {r.ingest}")
    for kind, values in sorted(r.kinds.items()):
        print(
            f"   {kind:22} {len(values):6}  p50 {pct(values, 50):6.0f}  p95 {pct(values, 95):6.0f}  "
            f"p99 {pct(values, 99):6.0f}  slowest {max(values):6.0f} ms; over 1 s: {sum(v > 1000 for v in values)}"
        )


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    args.var_dir.mkdir(parents=True, exist_ok=True)
    if args.seed:
        seed(args)
        print(f"seeded {args.seed} articles and {args.clients} reviewers", file=sys.stderr)
    users = args.var_dir / USERS
    if not users.exists():
        raise SystemExit(f"{users} is missing: run once with --seed N")
    seeded = json.loads(users.read_text())["seeded"]
    if args.profile:
        profile(args, args.profile)
        return
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"{args.clients} clients, {args.duration:.0f} s measured after {args.warmup:.0f} s warm-up, mix {MIX}")
    results = []
    if args.base_url:
        results.append(measure(args, args.base_url.rstrip("/"), args.base_url, seeded, None))
    runs = [(root, kind) for root in args.code for kind in args.serve]
    for n, (root, kind) in enumerate(runs):
        if n == 0 or root != runs[n - 1][0]:
            env = server_env(args, broker=True)
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=root, env=env, check=True
            )
        label = kind
        if kind == "production":
            # The checkout's own gunicorn.conf.py decides, unless the environment overrides it.
            shape = [f"{name}={os.environ[name]}" for name in GUNICORN_KNOBS if name in os.environ]
            label = f"production ({', '.join(shape) or 'gunicorn.conf.py defaults'})"
        if len(args.code) > 1:
            label += f" [{root}]"
        with served(args, kind, root) as (base, pgid):
            results.append(measure(args, base, label, seeded + (n + 1) * args.ingest, pgid))
        report(results[-1])
        time.sleep(5)  # let the worker's leftover job and the load average settle a little
    if args.base_url:
        report(results[0])
    print(
        "\n| server | req/s | p50 ms | p95 ms | p99 ms | 5xx | verdicts accepted / stored "
        "| web CPU ms/req | generator CPU ms/req | load avg (1 min) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.server} | {r.rate:.0f} | {pct(r.latencies, 50):.0f} | {pct(r.latencies, 95):.0f} | "
            f"{pct(r.latencies, 99):.0f} | {r.server_errors} | {r.accepted} / {r.stored} | "
            f"{r.web_cpu_ms or 0:.1f} | {r.client_cpu_ms:.2f} | {r.load[0]:.2f} |"
        )


if __name__ == "__main__":
    main()
