"""A time budget for one job item: past it, the item fails with a message instead of holding a worker.

A document no guard foresaw (a pathological shape for some library) would otherwise run until the
task's time limit, and be redelivered and started again from scratch up to MAX_JOB_ATTEMPTS times.
The budget is a SIGALRM timer, so it interrupts Python code anywhere in the item, except while the
database is being talked to: an exception thrown into psycopg mid-query leaves the connection unusable
("another command is already in progress"), so there the timer waits a moment and tries again. It is
only armed in a process's main thread (Celery's prefork children run tasks there), elsewhere a no-op.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

# Code the timer never interrupts: the driver and Django's database layer.
_UNINTERRUPTIBLE = ("psycopg", "django.db")
_RETRY_SECONDS = 0.05


class ItemOverBudget(BaseException):
    """The item ran past its budget. A BaseException, so no ``except Exception`` on the way swallows it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def item_budget(*, characters: int, min_seconds: float, seconds_per_10k: float) -> float:
    """Seconds one document of ``characters`` may take: the floor, or more for a long text."""
    return max(min_seconds, math.ceil(characters / 10_000) * seconds_per_10k)


def _in_database_call(frame: FrameType | None) -> bool:
    while frame is not None:
        if str(frame.f_globals.get("__name__", "")).startswith(_UNINTERRUPTIBLE):
            return True
        frame = frame.f_back
    return False


def _can_arm() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise ItemOverBudget in the block once ``seconds`` have passed (main thread only)."""
    if seconds <= 0 or not _can_arm():
        yield
        return

    def expired(signum: int, frame: FrameType | None) -> None:
        if _in_database_call(frame):
            signal.setitimer(signal.ITIMER_REAL, _RETRY_SECONDS)
            return
        raise ItemOverBudget(seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
