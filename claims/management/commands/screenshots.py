"""python manage.py screenshots --out DIR — PNGs of every reviewer screen, taken in headless Chromium.

By default it serves this project in-process (the configured database, static
files included) and signs in as ``--username`` with a fresh session; with
``--base-url`` and ``--password`` it logs in through the form of a running server
instead. Needs the dev requirements (playwright) and a Chromium binary.
"""

from __future__ import annotations

import os
from argparse import ArgumentParser
from collections.abc import Iterable
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

from claims.models import Claim, ClaimEntity, DuplicateGroup, Evidence, EvidenceDecisionChoice, EvidenceMethod, Job
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
    focus: str = ""  # a CSS selector: capture the window scrolled to it, not the whole (long) page

    @property
    def full_page(self) -> bool:
        # The overlay covers the viewport, and a focus is one part of a long page: both are window captures.
        return not (self.press or self.focus)


FOCUS_CLEARANCE = 72  # px left above a focused element: the claim page's sticky jump bar is 60 px high
INFERRED_ARTICLES_READ = 200  # the "From the text" capture picks among the first articles, not the whole corpus
MAX_QUERY = 200  # the search box's max_length (claims.forms.SearchForm)


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
    everything = shots + provenance_screens() + desk_screens(claim) + finding_screens(claim)
    return sorted(everything, key=lambda shot: shot.name)  # numbered in the order the captures are listed


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


def scroll_to(page: Any, selector: str) -> bool:
    """Scroll the window so the element starts just below the sticky bar (unless the first window shows it
    whole already); False when the page has no such element."""
    return bool(
        page.evaluate(
            """([selector, clearance]) => {
                const el = document.querySelector(selector);
                if (!el) return false;
                const box = el.getBoundingClientRect();
                if (box.bottom <= window.innerHeight) return true;  // in the first window: keep the page's top
                window.scrollTo(0, box.top + window.scrollY - clearance);
                return true;
            }""",
            [selector, FOCUS_CLEARANCE],
        )
    )


class Command(BaseCommand):
    help = (
        "Save a PNG of each reviewer screen (login, articles, reader, claim, upload, job, dashboard, queue, "
        "search, adding a claim, a deleted claim, keyboard help, a claim's provenance, duplicate groups, the queue "
        "list, mentions, a search by meaning, a person or organisation, linking a selection, and the claim's desk, "
        "verdict form, ClaimReview and bulk decisions) using headless Chromium. Capturing the queue "
        "holds its first claim for the user, as opening the queue in a browser does."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="Folder for the PNGs (created if missing)")
        parser.add_argument("--username", default="reviewer", help="Whose view to capture (a reviewer sees forms)")
        parser.add_argument("--password", help="Log in through the form with this password instead of a session")
        parser.add_argument("--base-url", help="A running server to capture; default: serve this project in-process")
        parser.add_argument("--width", type=int, default=1280)
        parser.add_argument(
            "--height", type=int, default=900, help="The window's height (window captures are this high)"
        )
        parser.add_argument(
            "--window", action="store_true", help="Capture the window only, as each screen first opens (smaller files)"
        )
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
                context = browser.new_context(viewport={"width": options["width"], "height": options["height"]})
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
                    note = ""
                    if shot.focus and not scroll_to(page, shot.focus):
                        # A viewer's claim page has no verdict form: say so rather than pass the top off as it.
                        note = f", {shot.focus} not on the page"
                    page.screenshot(path=str(target), full_page=shot.full_page and not options["window"])
                    self.stdout.write(f"{target}  ({shot.path}, HTTP {status}{note})")
                browser.close()
        finally:
            if server is not None:
                server.terminate()
        self.stdout.write(self.style.SUCCESS(f"Saved {len(shots)} screenshots to {out}"))


def desk_screens(claim: Claim | None) -> list[Shot]:
    """The queue as a list, the mentions, and the claim page's desk, verdict form, ClaimReview and bulk form."""
    shots = [Shot("16-queue-list", reverse("claims:queue-list")), Shot("17-mentions", reverse("claims:mentions"))]
    if claim is None:
        return shots
    path = reverse("claims:claim-detail", args=[claim.pk])
    shots += [
        Shot("21-claim-desk", path, focus="#desk-heading"),
        Shot("22-claim-verdict", path, focus="#verdict-heading"),
        Shot("23-claim-claimreview", path, focus="#claimreview-heading"),
    ]
    undecided = Evidence.objects.filter(
        claim=claim, decision=EvidenceDecisionChoice.PENDING, withdrawn_at__isnull=True
    ).exclude(method=EvidenceMethod.ORIGIN)
    if undecided.exists():  # the bulk form is offered only while some link waits for a decision
        shots.append(Shot("24-claim-bulk-decide", path, focus="#evidence-bulk"))
    return shots


def finding_screens(claim: Claim | None) -> list[Shot]:
    """A search by the claim's whole sentence (its neighbours in meaning), the most named person or organisation,
    the reader's link form for a sentence of another article, and the article whose text says most about it."""
    shots = []
    if claim is not None:
        query = claim.text if len(claim.text) <= MAX_QUERY else claim.text[:MAX_QUERY].rsplit(" ", 1)[0]
        shots.append(Shot("18-search-meaning", reverse("claims:search") + "?" + urlencode({"q": query})))
    named = (
        ClaimEntity.objects.filter(claim__deleted_at__isnull=True)
        .values("key")
        .annotate(n=Count("claim_id"))
        .order_by("-n", "key")
        .first()
    )
    if named is not None:
        shots.append(Shot("19-entity", reverse("claims:entity-detail", args=[named["key"]])))
    if claim is not None:
        # A real selection: a whole body sentence of another article (evidence usually comes from elsewhere).
        other = Sentence.objects.filter(kind=SentenceKind.BODY).exclude(article=claim.article)
        other = other.order_by("article_id", "position")
        sentence = other.filter(claim_spans__isnull=True).first() or other.first()
        if sentence is not None:
            link = reverse("claims:evidence-link", args=[sentence.article_id])
            query = urlencode({"start": sentence.start, "end": sentence.end})
            # The form, as the reader's script brings it into view; on a phone it follows the whole article.
            shots.append(Shot("20-reader-link", f"{link}?{query}", focus="#link-form-card"))
    told = most_inferred(Article.objects.only("id", "inferred").order_by("id")[:INFERRED_ARTICLES_READ])
    if told is not None:
        path = reverse("claims:article-detail", args=[told.pk])
        shots.append(Shot("25-article-from-the-text", path, focus=".inferred-details"))
    return shots


def most_inferred(articles: Iterable[Article]) -> Article | None:
    """The article whose text says most about it (dateline, credits, dates), for its "From the text" line."""

    def told(article: Article) -> int:
        meta = article.inferred_metadata
        found = (meta.outlet, meta.place, meta.published)
        return sum(x is not None for x in found) + len(meta.credits) + len(meta.days_without_year)

    best = max(articles, key=told, default=None)
    return best if best is not None and told(best) else None
