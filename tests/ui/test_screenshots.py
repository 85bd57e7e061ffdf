"""`manage.py screenshots` serves the project itself and saves a PNG of every screen."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
from django.contrib.auth.models import User

from claims.models import Claim, Evidence, Job
from claims.services import edits as edit_services
from claims.services import reviews as review_services
from claims.services.groups import group_create
from sources.models import Sentence
from tests.conftest import ROOT, _database_url

pytestmark = [pytest.mark.browser]

SCREENS = [
    "01-login",
    "02-article-list",
    "03-article-reader",
    "04-claim-view",
    "05-upload",
    "06-job",
    "07-dashboard",
    "08-queue",
    "09-search",
    "10-reader-add-claim",
    "11-claim-deleted",
    "12-keyboard-help",
    "13-claim-provenance",
    "14-groups",
    "15-group",
    "16-queue-list",
    "17-mentions",
    "18-search-meaning",
    "19-entity",
    "20-reader-link",
    "21-claim-desk",
    "22-claim-verdict",
    "23-claim-claimreview",
    "24-claim-bulk-decide",
    "25-article-from-the-text",
]
# One part of a long page each, scrolled to it: the window only.
WINDOWS = [
    "12-keyboard-help",
    "20-reader-link",
    "21-claim-desk",
    "22-claim-verdict",
    "23-claim-claimreview",
    "24-claim-bulk-decide",
    "25-article-from-the-text",
]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_screenshots_command_saves_every_screen(
    reviewer: User, seed_corpus: Job, tmp_path: Path, transactional_db: None
) -> None:
    claim = Claim.objects.get(text__contains="Hamas refused to send a delegation")
    review_services.review_record(claim_id=claim.pk, reviewer=reviewer, verdict="contested", rationale="Not confirmed.")
    doomed = Claim.objects.exclude(pk=claim.pk).order_by("id").first()
    assert doomed is not None
    edit_services.claim_delete(claim_id=doomed.pk, user=reviewer, reason="Not checkable.")
    others = Claim.objects.filter(deleted_at__isnull=True).exclude(article=claim.article).order_by("id")[:2]
    group = group_create(claim_ids=[claim.pk, *(c.pk for c in others)], user=reviewer)
    out = tmp_path / "shots"

    run = subprocess.run(
        [sys.executable, "manage.py", "screenshots", "--out", str(out), "--username", reviewer.username],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": _database_url()},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode == 0, run.stderr
    assert sorted(p.stem for p in out.glob("*.png")) == SCREENS
    assert run.stdout.count("HTTP 200") == len(SCREENS)
    assert f"/claims/{claim.pk}/" in run.stdout  # the reviewed claim is the one shown
    assert f"/claims/{doomed.pk}/" in run.stdout  # the deleted claim, with its notice
    assert f"/groups/{group.pk}/" in run.stdout
    linked = re.search(r"13-claim-provenance.png  \(/claims/(\d+)/", run.stdout)
    assert linked is not None
    assert Evidence.objects.filter(claim_id=int(linked.group(1)), via_claim__isnull=False).exists()
    for png in out.glob("*.png"):
        width, height = png_size(png)
        assert width == 1280
        assert height >= 900
    for name in WINDOWS:
        assert png_size(out / f"{name}.png") == (1280, 900), name  # the window, not the whole page
    assert "not on the page" not in run.stdout  # a reviewer's claim page has the desk, the verdict form, ...
    searched = re.search(r"18-search-meaning.png  \(/search/\?q=(\S+),", run.stdout)
    assert searched is not None
    assert unquote_plus(searched.group(1)) == claim.text  # the claim's sentence, so its neighbours in meaning
    assert re.search(r"19-entity.png  \(/entities/[^/]+/, HTTP 200\)", run.stdout)
    linking = re.search(r"20-reader-link.png  \(/articles/(\d+)/link/\?start=(\d+)&end=(\d+),", run.stdout)
    assert linking is not None
    article_id, start, end = (int(g) for g in linking.groups())
    assert article_id != claim.article_id  # evidence from another article
    assert Sentence.objects.filter(article_id=article_id, start=start, end=end).exists()  # a whole sentence


def test_the_screenshots_command_names_a_missing_user(transactional_db: None, tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "manage.py", "screenshots", "--out", str(tmp_path), "--username", "nobody"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": _database_url()},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert run.returncode == 1
    assert "no user 'nobody'" in run.stderr


def test_the_screenshots_command_shows_what_a_viewer_may_not_open_in_windows_of_the_size_asked(
    viewer: User, seed_corpus: Job, tmp_path: Path, transactional_db: None
) -> None:
    size = ["--width", "390", "--height", "844", "--window"]
    run = subprocess.run(
        [sys.executable, "manage.py", "screenshots", "--out", str(tmp_path), "--username", viewer.username, *size],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": _database_url()},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert run.returncode == 0, run.stderr
    assert "(/upload/, HTTP 403)" in run.stdout
    assert "(/, HTTP 200)" in run.stdout
    # A viewer's claim page has no verdict form: the capture says so rather than pass another part off as it.
    assert re.search(r"22-claim-verdict.png  \(/claims/\d+/, HTTP 200, #verdict-heading not on the page\)", run.stdout)
    assert re.search(r"21-claim-desk.png  \(/claims/\d+/, HTTP 200\)", run.stdout)  # the desk, read-only
    assert {png_size(png) for png in tmp_path.glob("*.png")} == {(390, 844)}
