"""Fixtures for the job tests: how jobs are sent when no worker is configured."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from workbench.celery import app


@pytest.fixture
def eager_jobs() -> Iterator[None]:
    """Run queued jobs in-process when their transaction commits, as the command does without a broker."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved
