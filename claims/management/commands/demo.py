"""python manage.py demo — set up the workbench on the sample articles for trying it out.

Migrates, creates one user per role with a fresh password, runs the jobs the last demo
server left unfinished, ingests samples/seed into a story, and prints where to log in. The
server is started by scripts/demo, with jobs on a thread of its own (JOBS_IN_BACKGROUND).
"""

from __future__ import annotations

import secrets
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from claims.jobs.sweeper import jobs_run_unfinished, jobs_unfinished
from claims.roles import Role

SAMPLE_DIR = Path(settings.BASE_DIR) / "samples" / "seed"
STORY = "Qatar and Iran on the Gaza ceasefire talks"


@transaction.atomic
def demo_user_reset(*, username: str, role: Role, password: str) -> User:
    user, _ = User.objects.get_or_create(username=username)
    user.set_password(password)
    user.is_staff = role == Role.ADMIN
    user.save()
    user.groups.set([Group.objects.get(name=role.value)])
    return user


class Command(BaseCommand):
    help = "Prepare a local demo: migrate, create demo users, ingest the sample articles."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--address", default="http://127.0.0.1:8000/", help="Address printed for the browser")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", verbosity=0, interactive=False)
        password = secrets.token_urlsafe(9)
        for role in Role:
            demo_user_reset(username=role.value, role=role, password=password)
        # The demo server runs jobs on a thread (JOBS_IN_BACKGROUND): what it left unfinished when it stopped
        # has nobody on it, so it runs here before the server starts again.
        left = jobs_unfinished()
        if left:
            self.stdout.write(f"Finishing {len(left)} job(s) the last demo server left unfinished: {left} …")
            self.stdout.flush()
            jobs_run_unfinished(job_ids=left)
        call_command("ingest", str(SAMPLE_DIR), story=STORY, stdout=self.stdout, stderr=self.stderr)
        # A demo database from before metadata was read from the text gets it now (new articles have it).
        call_command("infer_metadata", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Open {options['address']}"))
        self.stdout.write(f"Log in as 'reviewer' (or 'viewer', 'admin') with password: {password}")
