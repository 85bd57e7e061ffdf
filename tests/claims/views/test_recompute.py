"""The dashboard's "Recompute links" button: admins only, one recompute at a time, progress like any job."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from claims.models import Job, JobKind, JobState


def test_an_admin_starts_a_recompute_and_the_dashboard_shows_its_progress(
    client: Client, admin_user: User, seed_corpus: Job, django_capture_on_commit_callbacks
) -> None:
    client.force_login(admin_user)
    assert "Recompute links" in client.get(reverse("claims:dashboard")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("claims:recompute"))

    assert response.status_code == 302
    job = Job.objects.get(kind=JobKind.RECOMPUTE)
    assert job.created_by == admin_user
    assert job.total > 0
    job.refresh_from_db()
    assert (job.state, job.done) == (JobState.SUCCEEDED, job.total)  # no broker in tests: it ran in-process
    page = client.get(reverse("claims:dashboard")).content.decode()
    assert f'id="job-progress-{job.pk}"' in page
    assert "recompute all links and groups" in page


def test_a_second_click_while_a_recompute_runs_starts_nothing(
    client: Client, admin_user: User, seed_corpus: Job
) -> None:
    client.force_login(admin_user)
    client.post(reverse("claims:recompute"))  # on_commit never fires here: the job stays queued

    response = client.post(reverse("claims:recompute"), follow=True)

    assert Job.objects.filter(kind=JobKind.RECOMPUTE).count() == 1
    assert "already under way" in response.content.decode()


def test_reviewers_neither_see_nor_use_the_recompute_button(client: Client, reviewer: User, seed_corpus: Job) -> None:
    client.force_login(reviewer)

    page = client.get(reverse("claims:dashboard")).content.decode()
    response = client.post(reverse("claims:recompute"))

    assert "Recompute links" not in page
    assert response.status_code == 403
    assert not Job.objects.filter(kind=JobKind.RECOMPUTE).exists()


def test_recompute_takes_only_a_post(client: Client, admin_user: User, db: None) -> None:
    client.force_login(admin_user)

    assert client.get(reverse("claims:recompute")).status_code == 405
    assert not Job.objects.filter(kind=JobKind.RECOMPUTE).exists()
