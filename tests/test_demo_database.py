"""The demo's SQLite store: a request that writes while the job thread writes waits its turn, never fails.

Run in a process of its own with the real settings and a SQLite DATABASE_URL (the suite's own database is
PostgreSQL): one thread holds a write transaction as an ingest item does, another reads then writes as a
verdict does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = """
import threading, time
import django
django.setup()
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE demo_rows (n INTEGER)")
connection.close()
holding, waited = threading.Event(), []

def job_item():  # the job thread: one item's write transaction, held a while
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO demo_rows VALUES (1)")
        holding.set()
        time.sleep(1.0)
    connection.close()

def verdict():  # a request: reads, then writes, in one transaction
    holding.wait()
    started = time.monotonic()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM demo_rows")
            cursor.execute("INSERT INTO demo_rows VALUES (2)")
        waited.append(f"stored after {time.monotonic() - started:.1f}s")
    except Exception as exc:
        waited.append(f"failed: {exc}")
    connection.close()

threads = [threading.Thread(target=job_item), threading.Thread(target=verdict)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT COUNT(*) FROM demo_rows")
    print(waited[0], "rows", cursor.fetchone()[0])
"""


def run_on_demo_store(script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``script`` with the real settings on a SQLite file in ``tmp_path``, jobs in-process and eager."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "WORKBENCH_VAR_DIR": str(tmp_path),
        "JOBS_IN_BACKGROUND": "0",
        "DEBUG": "1",
    }
    env.pop("CELERY_BROKER_URL", None)
    return subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )


def test_a_write_while_the_job_thread_writes_waits_for_it_and_is_stored(tmp_path: Path) -> None:
    done = run_on_demo_store(SCRIPT, tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("stored after"), done.stdout
    assert done.stdout.strip().endswith("rows 2")


MATCH_SCRIPT = """
import sqlite3
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from claims.jobs import ingest as ingest_jobs
from claims.jobs import match as match_jobs
from claims.matching.semantic import MiniLM
from claims.models import Evidence, Job, JobKind
from claims.services import linking as linking_services
from sources.text.reading import ArticleDocument

call_command("migrate", verbosity=0)
path = settings.DATABASES["default"]["NAME"]
seen = []

def probing(work):  # can another writer take the store while this part of a chunk runs?
    def probed(*args, **kwargs):
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            seen.append("free")
        except sqlite3.OperationalError as exc:
            seen.append(str(exc))
        finally:
            probe.close()
        return work(*args, **kwargs)
    return probed

MiniLM.encode = probing(MiniLM.encode)  # an indexing chunk's embedding
linking_services._score = probing(linking_services._score)  # a linking chunk's scoring
texts = [
    "Hamas refused to send a delegation to the Doha talks on Thursday, officials said.",
    "Officials said Hamas declined to send a delegation to the talks in Doha on Thursday.",
]
ingest_jobs.job_create_ingest(documents=[ArticleDocument(source=f"a{n}.txt", body=t) for n, t in enumerate(texts)])
match = Job.objects.get(kind=JobKind.MATCH)
print("match", match.state, match.done, "of", match.total)
print("links", Evidence.objects.filter(via_claim__isnull=False).count())
print("probes", sorted(set(seen)), len(seen))
"""


def test_a_match_job_on_the_demo_store_leaves_it_free_to_writers_while_it_embeds_and_scores(tmp_path: Path) -> None:
    done = run_on_demo_store(MATCH_SCRIPT, tmp_path)

    assert done.returncode == 0, done.stderr
    lines = dict(line.split(" ", 1) for line in done.stdout.strip().splitlines())
    assert lines["match"] == "succeeded 2 of 2", done.stdout
    assert lines["probes"] == "['free'] 2", done.stdout  # one embedding, one scoring
    assert int(lines["links"]) >= 2, done.stdout


DISCARD_SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from claims.jobs import ingest as ingest_jobs
from claims.jobs import match as match_jobs
from claims.models import Claim, ItemState, Job, JobItem, JobKind
from sources.text.reading import ArticleDocument

call_command("migrate", verbosity=0)
ingest_jobs.job_create_ingest(documents=[ArticleDocument(source="a.txt", body="Talks resume in Doha on Monday.")])
real_plan = match_jobs._plan

def plan_while_another_runner_finishes_the_chunk(item):
    plan = real_plan(item)
    JobItem.objects.filter(pk=item.pk).update(state=ItemState.CREATED, message="done by another runner")
    return plan

match_jobs._plan = plan_while_another_runner_finishes_the_chunk
job = match_jobs.job_create_match_for_claims(claim_ids=Claim.objects.values_list("pk", flat=True))
job.refresh_from_db()
print("job", job.state, "done", job.done, "of", job.total)
print("messages", sorted(set(job.items.values_list("message", flat=True))))
"""


def test_a_chunk_another_runner_finished_while_this_one_worked_it_out_is_not_written_again(tmp_path: Path) -> None:
    done = run_on_demo_store(DISCARD_SCRIPT, tmp_path)

    assert done.returncode == 0, done.stderr
    assert "messages ['done by another runner']" in done.stdout, done.stdout
    assert done.stdout.startswith("job succeeded"), done.stdout
