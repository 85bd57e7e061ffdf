"""python manage.py ingest PATH... — ingest article files and folders as one job."""

from __future__ import annotations

import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from claims.jobs import ingest as ingest_jobs
from claims.models import FINISHED_STATES, ItemState, Job, JobState
from claims.selectors import jobs as job_selectors
from sources.services import story_create
from sources.text.reading import InvalidDocument, check_storable, read_paths


class Command(BaseCommand):
    help = "Ingest .txt, .md, .html, .json and .jsonl articles from files and folders."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument("--story", help="Add the articles to this story (created if new)")
        parser.add_argument("--no-wait", action="store_true", help="Queue the job and return at once")
        parser.add_argument("--timeout", type=float, default=3600, help="Seconds to wait for a queued job")

    def handle(self, *args: Any, **options: Any) -> None:
        story = None
        if options["story"]:
            try:
                name = check_storable("--story", options["story"])
            except InvalidDocument as exc:
                raise CommandError(str(exc)) from None
            if not slugify(name):
                raise CommandError("--story needs at least one letter or digit")
            story = story_create(name=name[:200], slug=slugify(name)[:200])
        documents = read_paths(options["paths"], max_bytes=settings.MAX_ARTICLE_BYTES)
        started = time.monotonic()
        job = ingest_jobs.job_create_ingest(documents=documents, story=story)
        self.stdout.write(f"Job {job.pk}: {job.total} document(s) queued")
        if options["no_wait"]:
            return
        job = self._wait(job, options["timeout"])
        self._report(job, time.monotonic() - started)

    def _wait(self, job: Job, timeout: float) -> Job:
        deadline = time.monotonic() + timeout
        last_done = -1
        while True:
            job.refresh_from_db()
            if job.state in FINISHED_STATES:
                return job
            if job.done != last_done and sys.stdout.isatty():
                self.stdout.write(f"  {job.done}/{job.total} …")
                last_done = job.done
            if time.monotonic() > deadline:
                raise CommandError(f"job {job.pk} is still {job.state} after {timeout:.0f}s; is a worker running?")
            time.sleep(0.5)

    def _report(self, job: Job, seconds: float) -> None:
        for item in job_selectors.job_items_report(job=job):
            label = dict(ItemState.choices)[item.state].lower()
            line = f"  {label:<15} {item.source}: {item.message}"
            self.stdout.write(self.style.ERROR(line) if item.state == ItemState.FAILED else line)
        result = job.result
        summary = (
            f"Created {result.get('created', 0)}, already stored {result.get('duplicate', 0)}, "
            f"failed {result.get('failed', 0)} in {seconds:.1f}s."
        )
        if job.state == JobState.FAILED and not result.get("failed"):
            raise CommandError(f"job {job.pk} failed: {job.error}")
        if result.get("failed"):
            self.stderr.write(summary)
            # The error is the last thing a script's log shows, so it names the inputs to fix.
            names = ", ".join(e["source"] for e in result.get("errors", [])[:3])
            more = ", …" if result["failed"] > 3 else ""
            raise CommandError(f"{result['failed']} document(s) could not be ingested ({names}{more}); see above")
        self.stdout.write(self.style.SUCCESS(summary))
