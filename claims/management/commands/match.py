"""python manage.py match [--article ID ...] [--recompute] [--rebuild-buckets] — link claims and group duplicates.

Without options every article's claims are matched against the corpus; ``--recompute``
re-links every live claim, withdraws undecided links no longer found and regroups
everything. Reviewers' confirmed and rejected links and their group placements are kept.
``--rebuild-buckets`` remakes the packed candidate buckets from the stored band rows (after a
bulk load, or after an upgrade during which workers of the older version kept indexing).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from claims.jobs import match as match_jobs
from claims.models import Job, JobState
from claims.services import buckets as bucket_services
from sources.models import Article


class Command(BaseCommand):
    help = "Match claims across articles (all articles unless --article is given), or --recompute everything."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--article", type=int, action="append", help="Article id; repeat for several")
        parser.add_argument("--recompute", action="store_true", help="Re-link every claim and regroup from scratch")
        parser.add_argument(
            "--rebuild-buckets", action="store_true", help="Remake the packed candidate buckets from the band rows"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild_buckets"]:
            if options["recompute"] or options["article"]:
                raise CommandError("--rebuild-buckets runs on its own")
            made = bucket_services.buckets_rebuild_all()
            self.stdout.write(f"Rebuilt {made} candidate buckets from the stored band rows.")
            return
        if options["recompute"] and options["article"]:
            raise CommandError("--recompute covers every article; leave out --article")
        if options["recompute"]:
            job = match_jobs.job_create_recompute()
        else:
            ids = options["article"] or list(Article.objects.order_by("id").values_list("id", flat=True))
            missing = set(ids) - set(Article.objects.filter(pk__in=ids).values_list("id", flat=True))
            if missing:
                raise CommandError(f"no article with id {', '.join(map(str, sorted(missing)))}")
            job = match_jobs.job_create_match(article_ids=ids)
        job = Job.objects.get(pk=job.pk)
        self.stdout.write(
            f"Job {job.pk} ({job.get_kind_display().lower()}): {job.total} chunk step(s); state {job.state}"
        )
        if job.state == JobState.SUCCEEDED:
            result = job.result
            self.stdout.write(
                f"  {result.get('claims', 0)} claims; live machine links {result.get('linked', 0)}; "
                f"groups created {result.get('groups', {}).get('created', 0)}, "
                f"changed {result.get('groups', {}).get('changed', 0)}"
            )
        elif job.state == JobState.FAILED:
            raise CommandError(f"job {job.pk} failed: {job.error}")
