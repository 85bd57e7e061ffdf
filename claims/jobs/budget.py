"""A time budget for one job item: past it, the item fails with a message instead of holding a worker.

A document no guard foresaw (a pathological shape for some library) would otherwise run until the
task's time limit, and be redelivered and started again from scratch up to MAX_JOB_ATTEMPTS times.
The budget is a SIGALRM timer, so it interrupts Python code anywhere in the item; it is only armed
in a process's main thread (Celery's prefork children run tasks there), elsewhere it is a no-op.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class ItemOverBudget(BaseException):
    """The item ran past its budget. A BaseException, so no ``except Exception`` on the way swallows it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def item_budget(*, characters: int, min_seconds: float, seconds_per_10k: float) -> float:
    """Seconds one document of ``characters`` may take: the floor, or more for a long text."""
    return max(min_seconds, math.ceil(characters / 10_000) * seconds_per_10k)


def _can_arm() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise ItemOverBudget in the block once ``seconds`` have passed (main thread only)."""
    if seconds <= 0 or not _can_arm():
        yield
        return

    def expired(signum: int, frame: FrameType | None) -> None:
        raise ItemOverBudget(seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
