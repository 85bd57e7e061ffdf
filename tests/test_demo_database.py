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


def test_a_write_while_the_job_thread_writes_waits_for_it_and_is_stored(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "WORKBENCH_VAR_DIR": str(tmp_path),
        "DEBUG": "1",
    }

    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("stored after"), done.stdout
    assert done.stdout.strip().endswith("rows 2")
