"""Typed readers for environment variables that fail loudly on malformed values.

Settings are read once at start-up; a typo in a deployment must stop the process
with a message naming the variable, not fall back to a default silently.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str, environ: Mapping[str, str] = os.environ) -> str:
    return environ.get(name, default)


def env_bool(name: str, default: bool, environ: Mapping[str, str] = os.environ) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int, environ: Mapping[str, str] = os.environ) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None


def env_choice(name: str, default: str, choices: tuple[str, ...], environ: Mapping[str, str] = os.environ) -> str:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} is not one of {', '.join(choices)}")
    return value


def env_list(name: str, default: list[str], environ: Mapping[str, str] = os.environ) -> list[str]:
    raw = environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str, default: str, environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    raw = environ.get(name) or default
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a supported database URL; "
            "expected sqlite:///path/to/db.sqlite3 or postgres://user@host:port/name"
        )
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True))
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a valid database URL: {exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={raw!r} names no database")
    return config


def env_broker(name: str, environ: Mapping[str, str] = os.environ) -> str:
    """Return the broker URL, or "" for in-process (eager) jobs."""
    raw = environ.get(name, "").strip()
    if raw and not raw.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a Redis URL; expected redis://host:port/db")
    return raw


def env_cache(name: str, environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The default cache: Redis when a URL is given (counters shared by every process), else in-process memory."""
    raw = environ.get(name, "").strip()
    if not raw:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not raw.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a Redis URL; expected redis://host:port/db")
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": raw}


def env_public_url(name: str, environ: Mapping[str, str] = os.environ, placeholder: str = "") -> str:
    """An http(s) address the workbench publishes (in ClaimReview), or "" when unset.

    With ``placeholder`` (e.g. "{claim}") the address is a template and must contain it once,
    so every claim's fact-check gets an address of its own, never one shared by all.
    """
    raw = environ.get(name, "").strip()
    if not raw:
        return ""
    if not raw.startswith(("https://", "http://")) or " " in raw:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an http(s) address")
    if placeholder and raw.count(placeholder) != 1:
        raise ImproperlyConfigured(f"{name}={raw!r} must contain {placeholder} once (where the claim's id goes)")
    return raw
