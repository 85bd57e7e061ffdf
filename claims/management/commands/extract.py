"""python manage.py extract [--article ID ...] — (re-)extract claims as a job.

Existing claims are never rewritten: a re-run only adds claims the extractor
finds anew, so reviewers' edits, splits and deletions survive.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from claims.jobs import ingest as ingest_jobs
from claims.models import JobState
from sources.models import Article


class Command(BaseCommand):
    help = "Extract claims from stored articles (all of them unless --article is given)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--article", type=int, action="append", help="Article id; repeat for several")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = options["article"] or list(Article.objects.order_by("id").values_list("id", flat=True))
        missing = set(ids) - set(Article.objects.filter(pk__in=ids).values_list("id", flat=True))
        if missing:
            raise CommandError(f"no article with id {', '.join(map(str, sorted(missing)))}")
        job = ingest_jobs.job_create_extract(article_ids=ids)
        job.refresh_from_db()
        self.stdout.write(f"Job {job.pk}: {job.total} article(s); state {job.state}")
        if job.state in (JobState.SUCCEEDED, JobState.PARTIAL):
            for item in job.items.order_by("position"):
                self.stdout.write(f"  {item.source}: {item.message}")
