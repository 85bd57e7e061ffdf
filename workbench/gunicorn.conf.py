"""Gunicorn settings for the web process: `gunicorn -c workbench/gunicorn.conf.py workbench.wsgi`.

Chosen by measurement on 2 cores (docs/reliability.md, "Load"): one process per core, 8 threads
each. Two processes get past the one-core (GIL) ceiling of a single Python process; threads overlap
each request's waits on PostgreSQL; processes, not threads, cost memory. Every figure can be
overridden from the environment (GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_BIND, ...).
"""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", os.cpu_count() or 2))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
worker_class = "gthread"
# Keep-alive connections from the reverse proxy are reused rather than reopened per request.
keepalive = 5
# A request running this long is stuck (uploads are capped at MAX_REQUEST_BYTES; jobs run in workers).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle each process now and then so a slow leak cannot grow without bound; jitter avoids all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# Load Django once in the master; workers fork from it (less memory, faster restarts of a worker).
preload_app = True
# Django logs one line per request (workbench.logs.RequestLogMiddleware) in LOG_FORMAT; no second access log.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
if os.environ.get("LOG_FORMAT", "text").strip().lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "workbench.logs.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "loggers": {"gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False}},
    }
# Behind a reverse proxy on the same host; set FORWARDED_ALLOW_IPS for a proxy elsewhere.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
