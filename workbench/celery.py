"""The Celery application; configuration comes from Django settings (CELERY_*)."""

from __future__ import annotations

import gc
import logging
import os
from typing import Any

import torch
from celery import Celery
from celery.signals import worker_process_init
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")

app = Celery("workbench")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def freeze_startup_objects() -> None:
    """Leave what is loaded by now (Django, numpy, torch modules) out of every later garbage collection.

    Those objects live as long as the process, yet each full collection walked them all again:
    scoring a new article against a million claims lost about 0.3 s to it (docs/benchmarks.md).
    """
    gc.freeze()


@worker_process_init.connect
def _freeze_on_worker_start(**_: Any) -> None:
    freeze_startup_objects()


@worker_process_init.connect
def _torch_threads_per_process(**_: Any) -> None:
    """One torch thread per worker process by default: the processes already fill the cores.

    Two processes of two threads each on two cores spun and burnt up to 2.3 times the CPU per
    embedded sentence (issue 19); concurrency, not threads, is how a worker uses its cores.
    """
    torch.set_num_threads(settings.WORKER_TORCH_THREADS)
    logging.getLogger(__name__).info("worker process %s: torch uses %s thread(s)", os.getpid(), torch.get_num_threads())
