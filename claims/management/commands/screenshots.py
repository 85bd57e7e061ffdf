"""python manage.py screenshots --out DIR — PNGs of every reviewer screen, taken in headless Chromium.

By default it serves this project in-process (the configured database, static
files included) and signs in as ``--username`` with a fresh session; with
``--base-url`` and ``--password`` it logs in through the form of a running server
instead. Needs the dev requirements (playwright) and a Chromium binary.
"""

from __future__ import annotations

import os
from argparse import ArgumentParser
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q
from django.test.testcases import LiveServerThread
from django.urls import reverse

from claims.models import Claim, DuplicateGroup, Job
from sources.models import Article, Sentence, SentenceKind

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True, slots=True)
class Shot:
    name: str
    path: str
    needs_login: bool = True
    press: str = ""  # a key to press before the capture (the keyboard help)


def session_for(user: User) -> str:
    """A signed-in session for ``user`` (as Django's test client's force_login makes); returns its key."""
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]  # the backend that would have signed them in
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return str(session.session_key)


def screens() -> list[Shot]:
    """The pages to capture: the most-reviewed live claim (else the first) and its article, the latest job,
    the dashboard, the queue, a search, adding a claim by hand, a deleted claim and the keyboard help."""
    shots = [Shot("01-login", reverse("login"), needs_login=False), Shot("02-article-list", "/")]
    live = Claim.objects.filter(deleted_at__isnull=True)
    claim = live.annotate(n=Count("reviews")).order_by("-n", "id").first()
    article = claim.article if claim is not None else Article.objects.order_by("id").first()
    if article is not None:
        shots.append(Shot("03-article-reader", reverse("claims:article-detail", args=[article.pk])))
    if claim is not None:
        shots.append(Shot("04-claim-view", reverse("claims:claim-detail", args=[claim.pk])))
    shots.append(Shot("05-upload", reverse("claims:upload")))
    job = Job.objects.order_by("-created_at", "-id").first()
    if job is not None:
        shots.append(Shot("06-job", reverse("claims:job-detail", args=[job.pk])))
    shots.append(Shot("07-dashboard", reverse("claims:dashboard")))
    shots.append(Shot("08-queue", reverse("claims:queue")))
    if claim is not None:
        word = max(claim.text.split(), key=len).strip(".,;:“”\"'")
        shots.append(Shot("09-search", reverse("claims:search") + "?" + urlencode({"q": word})))
    body = Sentence.objects.filter(article=article, kind=SentenceKind.BODY).order_by("position")
    # Adding by hand matters most where extraction found nothing; any body sentence will do otherwise.
    sentence = body.filter(claim_spans__isnull=True).first() or body.first()
    if article is not None and sentence is not None:
        path = reverse("claims:article-detail", args=[article.pk]) + f"?add={sentence.position}"
        shots.append(Shot("10-reader-add-claim", path))
    deleted = Claim.objects.filter(deleted_at__isnull=False).order_by("-deleted_at").first()
    if deleted is not None:
        shots.append(Shot("11-claim-deleted", reverse("claims:claim-detail", args=[deleted.pk])))
    if claim is not None:
        shots.append(Shot("12-keyboard-help", reverse("claims:claim-detail", args=[claim.pk]), press="?"))
    return shots + provenance_screens()


def provenance_screens() -> list[Shot]:
    """The claim with the most live links from other articles, the groups list, and the largest group."""
    shots = []
    linked = (
        Claim.objects.filter(deleted_at__isnull=True)
        .annotate(n=Count("evidence", filter=Q(evidence__withdrawn_at__isnull=True, evidence__via_claim__isnull=False)))
        .filter(n__gt=0)
        .order_by("-n", "id")
        .first()
    )
    if linked is not None:
        shots.append(Shot("13-claim-provenance", reverse("claims:claim-detail", args=[linked.pk])))
    shots.append(Shot("14-groups", reverse("claims:group-list")))
    live = Count("members", filter=Q(members__claim__deleted_at__isnull=True))
    group = DuplicateGroup.objects.annotate(n=live).filter(n__gt=1).order_by("-n", "id").first()
    if group is not None:
        shots.append(Shot("15-group", reverse("claims:group-detail", args=[group.pk])))
    return shots


class Command(BaseCommand):
    help = (
        "Save a PNG of each reviewer screen (login, articles, reader, claim, upload, job, dashboard, queue, "
        "search, adding a claim, a deleted claim, keyboard help, a claim's provenance, duplicate groups) using "
        "headless Chromium. Capturing the queue "
        "holds its first claim for the user, as opening the queue in a browser does."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="Folder for the PNGs (created if missing)")
        parser.add_argument("--username", default="reviewer", help="Whose view to capture (a reviewer sees forms)")
        parser.add_argument("--password", help="Log in through the form with this password instead of a session")
        parser.add_argument("--base-url", help="A running server to capture; default: serve this project in-process")
        parser.add_argument("--width", type=int, default=1280)
        parser.add_argument(
            "--chromium", default=os.environ.get("PLAYWRIGHT_CHROMIUM", "/usr/bin/chromium"), help="Chromium binary"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise CommandError("playwright is not installed; install requirements-dev.txt") from None
        if not Path(options["chromium"]).exists():
            raise CommandError(f"no Chromium at {options['chromium']}; pass --chromium or set PLAYWRIGHT_CHROMIUM")
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}; run `manage.py demo` or pass --username")
        if options["base_url"] and not options["password"]:
            raise CommandError("--base-url needs --password: a running server cannot be given a session")
        # Every database read happens here: Playwright's sync API runs an event loop in this thread.
        shots = screens()
        session_key = None if options["password"] else session_for(user)
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)

        server = None
        base_url = (options["base_url"] or "").rstrip("/")
        if not base_url:
            server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
            server.daemon = True
            server.start()
            server.is_ready.wait()
            if server.error:
                raise CommandError(f"could not start the server: {server.error}")
            base_url = f"http://127.0.0.1:{server.port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=options["chromium"], headless=True, args=CHROMIUM_ARGS
                )
                context = browser.new_context(viewport={"width": options["width"], "height": 900})
                page = context.new_page()
                signed_in = False
                for shot in shots:
                    if shot.needs_login and not signed_in:
                        if session_key is not None:
                            context.add_cookies(
                                [{"name": settings.SESSION_COOKIE_NAME, "value": session_key, "url": base_url}]
                            )
                        else:
                            page.goto(base_url + reverse("login"))
                            page.get_by_label("Username").fill(options["username"])
                            page.get_by_label("Password").fill(options["password"])
                            page.get_by_role("button", name="Log in").click()
                            page.wait_for_load_state()
                        signed_in = True
                    response = page.goto(base_url + shot.path)
                    status = response.status if response is not None else 0
                    if page.url.split("#")[0] != base_url + shot.path:
                        # A redirect (to the login form, most likely) would capture the wrong screen.
                        raise CommandError(f"{shot.path} ended at {page.url}; is {options['username']!r} signed in?")
                    target = out / f"{shot.name}.png"
                    if shot.press:
                        page.keyboard.press(shot.press)
                    # The overlay covers the viewport; a full-page capture of it would be mostly empty page.
                    page.screenshot(path=str(target), full_page=not shot.press)
                    self.stdout.write(f"{target}  ({shot.path}, HTTP {status})")
                browser.close()
        finally:
            if server is not None:
                server.terminate()
        self.stdout.write(self.style.SUCCESS(f"Saved {len(shots)} screenshots to {out}"))
