"""One settings module, driven by environment variables.

Defaults give a zero-setup product: SQLite in ./var and Celery tasks run
in-process. Set DATABASE_URL and CELERY_BROKER_URL for PostgreSQL and Redis.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import django_stubs_ext
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from workbench.env import (
    env_bool,
    env_broker,
    env_cache,
    env_choice,
    env_database,
    env_int,
    env_list,
    env_public_url,
    env_str,
)

# Lets runtime code write generic annotations such as admin.ModelAdmin[Claim].
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("WORKBENCH_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "insecure-local-only-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    # A missing key in production must stop start-up; the demo sets DEBUG=1.
    raise ImproperlyConfigured("SECRET_KEY is not set (set DEBUG=1 for a local demo key)")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "sources",
    "claims",
]

MIDDLEWARE = [
    # First, so the duration it logs covers every other layer.
    "workbench.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files with DEBUG=0, before sessions and auth touch the request (docs/deploy.md).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Only the SQLite demo store raises "database is locked": a 503 to try again (workbench/busy.py).
    "workbench.busy.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "workbench.urls"
WSGI_APPLICATION = "workbench.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "claims.context_processors.roles",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'workbench.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite is the single-user demo store: WAL lets the web server read while a job writes. A transaction
    # takes the write lock when it begins (IMMEDIATE), so a request that writes while the job thread does
    # waits its turn instead of failing at once with "database is locked", as a read transaction that later
    # writes does when another writer holds the lock. The wait is bounded by ``timeout``; a job holds the
    # lock for one document, a match chunk's writes (its scoring runs outside, claims/jobs/match.py) or a
    # match job's regrouping, and a request still waiting past it gets a 503 to try again (workbench/busy.py).
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The covering (INCLUDE) band-key index is a PostgreSQL speed-up; SQLite builds it without the extra column.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "claims:article-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# `manage.py collectstatic` writes each file under a content-hashed name, with a gzip copy;
# WhiteNoise serves them with far-future cache headers. Before it has run, pages link and
# WhiteNoise serves the plain names (workbench/static.py), with a warning in the log.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "workbench.static.ManifestOrPlainStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS (docs/deploy.md): off by default so a loopback or demo server works over plain HTTP;
# the production env file turns them on. Probes reach the health endpoints over plain HTTP.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Upload and API bodies: an article is text; anything bigger is a mistake or an attack.
MAX_ARTICLE_BYTES = env_int("MAX_ARTICLE_BYTES", 2_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 10_000_000)
# Time one ingest item may take per 10,000 characters of its text (at least a minute); past it the
# item fails with a message instead of holding a worker (claims.jobs.budget).
INGEST_SECONDS_PER_10K_CHARS = env_int("INGEST_SECONDS_PER_10K_CHARS", 10)
# An ingest job is sent as this many messages (at most one per document), so that many free worker
# processes share its documents; the messages that arrive after the work is done do nothing.
INGEST_FANOUT = env_int("INGEST_FANOUT", 8)
# Matching starts for each finished batch of this many documents (by position in the job), not
# only when the whole job is done, so the first links show while a large upload goes on.
INGEST_MATCH_BATCH = env_int("INGEST_MATCH_BATCH", 50)
# Up to this many stored claim vectors, matching also compares each claim with every other by exact cosine,
# not only with those it shares a band row with (0: band rows only). Past it the band rows alone keep a
# new article within its time budget at millions of claims.
MATCH_EXACT_UP_TO = env_int("MATCH_EXACT_UP_TO", 20000)
# How long the review queue's ranking of its first claims is shared before it is ranked again (0: every request).
QUEUE_RANKING_SECONDS = env_int("QUEUE_RANKING_SECONDS", 30)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # knox tokens, refused once their user's password has changed (see the accounts block below).
        "claims.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["claims.permissions.CanView"],
    "DEFAULT_PAGINATION_CLASS": "claims.api.pagination.BoundedPageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "claims.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's defaults, with JSON parsed by claims.api.parsers (too-deep nesting is a 400, not a 500).
    "DEFAULT_PARSER_CLASSES": [
        "claims.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Writes (any non-GET) per user; logins per address. Rates: API_WRITE_RATE, API_LOGIN_RATE.
    "DEFAULT_THROTTLE_CLASSES": ["claims.api.throttles.WriteRateThrottle"],
    # Throttles key on REMOTE_ADDR unless this many proxies in front are trusted to set X-Forwarded-For.
    "NUM_PROXIES": env_int("TRUSTED_PROXIES", 0),
}
if REST_FRAMEWORK["NUM_PROXIES"]:
    # The trusted proxy terminates TLS and must overwrite X-Forwarded-Proto (docs/deploy.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Throttle counters live here: with CACHE_URL (Redis) every process shares them.
CACHES = {"default": env_cache("CACHE_URL")}
API_WRITE_RATE = env_str("API_WRITE_RATE", "120/min")
API_LOGIN_RATE = env_str("API_LOGIN_RATE", "10/min")
# A retried request with the same Idempotency-Key replays the first response for this long.
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24)
# Webhooks: deliveries to loopback/private addresses only when this is on (tests, local dev).
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", False)
WEBHOOKS_MAX_ATTEMPTS = env_int("WEBHOOKS_MAX_ATTEMPTS", 6)
# Wait after the first failed attempt; doubles after each further one.
WEBHOOKS_RETRY_BASE_MS = env_int("WEBHOOKS_RETRY_BASE_MS", 30_000)
WEBHOOKS_TIMEOUT_SECONDS = env_int("WEBHOOKS_TIMEOUT_SECONDS", 10)
# ClaimReview a newsroom publishes (README "Configuration", docs/api.md): the organisation that authors
# it, and where each claim's fact-check is published ({claim} is the claim's id). Unset, the export
# still answers, and the claim page says it cannot be published.
CLAIMREVIEW_AUTHOR_NAME = env_str("CLAIMREVIEW_AUTHOR_NAME", "").strip()
CLAIMREVIEW_AUTHOR_URL = env_public_url("CLAIMREVIEW_AUTHOR_URL")
CLAIMREVIEW_URL_TEMPLATE = env_public_url("CLAIMREVIEW_URL_TEMPLATE", placeholder="{claim}")
# Migrations that point at the token table read this name (knox only sets it for itself).
KNOX_TOKEN_MODEL = "knox.AuthToken"
# --- Accounts: sign-in lockout and API token lifetime (README "Configuration", docs/deploy-accounts.md).
# Every password check (web, admin, API token login) goes through the lockout backend. Failures count
# per username and per client address in the default cache; at a limit (0 turns it off) that username
# or address is refused for LOGIN_LOCKOUT_SECONDS, the right password too.
AUTHENTICATION_BACKENDS = ["claims.backends.LockoutModelBackend"]
LOGIN_FAILURES_PER_USERNAME = env_int("LOGIN_FAILURES_PER_USERNAME", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 20)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900)
# Tokens expire this many days after they are made unless asked for sooner; 0 means never.
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 90)
if LOGIN_LOCKOUT_SECONDS < 1 or min(API_TOKEN_TTL_DAYS, LOGIN_FAILURES_PER_USERNAME, LOGIN_FAILURES_PER_ADDRESS) < 0:
    raise ImproperlyConfigured(
        "LOGIN_LOCKOUT_SECONDS must be at least 1; API_TOKEN_TTL_DAYS and LOGIN_FAILURES_PER_* must not be negative"
    )
REST_KNOX = {"TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS) if API_TOKEN_TTL_DAYS else None, "AUTO_REFRESH": False}
# --- end of accounts
SPECTACULAR_SETTINGS = {
    "TITLE": "Claim-provenance workbench API",
    "DESCRIPTION": "Articles, sentences, claims, evidence, reviews and jobs of the fact-check workbench.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Two choice sets share each of the field names "kind" and "state"; name their enums.
    "ENUM_NAME_OVERRIDES": {
        "SentenceKindEnum": "sources.models.SentenceKind",
        "JobKindEnum": "claims.models.JobKind",
        "JobStateEnum": "claims.models.JobState",
        "ItemStateEnum": "claims.models.ItemState",
        "VerdictEnum": "claims.models.Verdict",
        # One decision on one link, or on several at once (/evidence/decisions/): the same two choices.
        "EvidenceDecisionDecisionEnum": ["confirmed", "rejected"],
    },
}

# Jobs: with no broker the task runs in-process right after the transaction commits.
_BROKER = env_broker("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not _BROKER
# Eager tasks never touch the broker; "memory://" keeps kombu from guessing an AMQP host.
CELERY_BROKER_URL = _BROKER or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = False
# With no broker, run jobs on one thread of the web process instead of inside the request that sends them:
# the demo server sets it, so an upload answers at once and its job page shows the progress
# (claims/jobs/background.py). Commands leave it off and wait for their jobs.
JOBS_IN_BACKGROUND = env_bool("JOBS_IN_BACKGROUND", False)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "workbench")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# An unacknowledged message is redelivered after the visibility timeout; every task
# limit stays below it, or a slow task would be run twice while still running.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # Sweep for messages of dead workers every few seconds (kombu's default is ~100 s).
    "unacked_restore_interval": max(1, min(10, CELERY_VISIBILITY_TIMEOUT // 4)),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_TIME_LIMIT = max(int(CELERY_VISIBILITY_TIMEOUT * 0.9), 2)
# At the soft limit a job re-queues itself and stops; the next delivery resumes it.
CELERY_TASK_SOFT_TIME_LIMIT = max(int(CELERY_VISIBILITY_TIMEOUT * 0.8), 1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One worker process per core, one torch thread per process (workbench/celery.py).
CELERY_WORKER_CONCURRENCY = env_int("WORKER_CONCURRENCY", os.cpu_count() or 1)
WORKER_TORCH_THREADS = env_int("WORKER_TORCH_THREADS", 1)
# Read by claims.matching.semantic itself (no Django there); checked here so a wrong value stops start-up.
ENCODER_PRECISION = env_choice("ENCODER_PRECISION", "auto", ("auto", "fp32", "bf16"))  # semantic.PRECISIONS
# A web request whose broker is down answers in about a second: the job it stored is sent by the sweeper.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
# The job outbox (claims.jobs.sweeper): a worker on a job beats this often; a job with no beat for
# 4.5 beats is sent again, and a queued job not taken is sent again after this wait, then twice as long...
JOB_HEARTBEAT_SECONDS = float(env_int("JOB_HEARTBEAT_SECONDS", 10))
JOB_RESEND_SECONDS = env_int("JOB_RESEND_SECONDS", 60)
# Exactly one `celery -A workbench beat` runs these (docs/deploy.md).
# /readyz reports the workers stale when no worker ran the heartbeat task for this long.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 30)
WORKER_HEARTBEAT_MAX_AGE = env_int("WORKER_HEARTBEAT_MAX_AGE", 120)
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "claims.tasks.record_worker_heartbeat",
        "schedule": WORKER_HEARTBEAT_SECONDS,
        # A heartbeat nobody took in time is dropped, not piled up for a worker that comes back.
        "options": {"expires": WORKER_HEARTBEAT_SECONDS},
    },
    # Re-send jobs no live worker holds: a killed worker's job resumes within a minute.
    "sweep-jobs": {"task": "claims.tasks.sweep_jobs", "schedule": float(env_int("JOB_SWEEP_SECONDS", 15))},
    "resend-due-webhooks": {"task": "claims.tasks.resend_due_webhooks", "schedule": 60.0},
    "expire-idempotency-keys": {"task": "claims.tasks.idempotency_keys_expire", "schedule": 3600.0},
    # Reviewers' decisions of the day refit the link probabilities (it keeps the current fit until there are enough).
    "recalibrate-scorer": {"task": "claims.tasks.recalibrate_scorer", "schedule": crontab(hour=3, minute=30)},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# json: one JSON object per line (workbench/logs.py), for a log shipper; text: the message alone.
LOG_FORMAT = env_choice("LOG_FORMAT", "text", ("text", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "workbench.logs.JsonFormatter"}, "text": {"format": "%(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Celery's per-task success lines drown the ingest report in eager mode.
    "loggers": {"celery.app.trace": {"level": "WARNING"}, "kombu": {"level": "WARNING"}},
}
if LOG_FORMAT == "json":
    # Celery workers keep this configuration instead of installing their own text handler.
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False
