"""Environment readers: good values parse, malformed ones stop start-up naming the variable."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured

from workbench.env import env_bool, env_broker, env_cache, env_choice, env_database, env_int, env_list, env_str


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), (" YES ", True), ("on", True), ("0", False), ("False", False), ("no", False),
     ("off", False), ("", False)],
)  # fmt: skip
def test_booleans_accept_the_usual_spellings(raw: str, expected: bool) -> None:
    assert env_bool("DEBUG", not expected, {"DEBUG": raw}) is expected


def test_an_unset_boolean_takes_its_default() -> None:
    assert env_bool("DEBUG", True, {}) is True
    assert env_bool("DEBUG", False, {}) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "ture", "y e s"])
def test_a_malformed_boolean_names_the_variable(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=re.escape(f"SECURE_COOKIES={raw!r} is not a boolean")):
        env_bool("SECURE_COOKIES", False, {"SECURE_COOKIES": raw})


def test_whole_numbers_parse_and_blank_means_default() -> None:
    assert env_int("MAX_ARTICLE_BYTES", 7, {"MAX_ARTICLE_BYTES": " 2000000 "}) == 2_000_000
    assert env_int("MAX_ARTICLE_BYTES", 7, {"MAX_ARTICLE_BYTES": ""}) == 7
    assert env_int("MAX_ARTICLE_BYTES", 7, {}) == 7


@pytest.mark.parametrize("raw", ["2MB", "1.5", "ten", "0x10"])
def test_a_malformed_number_names_the_variable(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=re.escape(f"MAX_ARTICLE_BYTES={raw!r} is not a whole number")):
        env_int("MAX_ARTICLE_BYTES", 7, {"MAX_ARTICLE_BYTES": raw})


def test_strings_and_lists_parse() -> None:
    assert env_str("CELERY_QUEUE", "workbench", {"CELERY_QUEUE": "ingest"}) == "ingest"
    assert env_str("CELERY_QUEUE", "workbench", {}) == "workbench"
    assert env_list("ALLOWED_HOSTS", ["localhost"], {"ALLOWED_HOSTS": " a.example , ,b.example,"}) == [
        "a.example",
        "b.example",
    ]
    assert env_list("ALLOWED_HOSTS", ["localhost"], {}) == ["localhost"]


def test_a_choice_accepts_its_values_in_any_case_and_names_the_variable_otherwise() -> None:
    assert env_choice("LOG_FORMAT", "text", ("text", "json"), {"LOG_FORMAT": " JSON "}) == "json"
    assert env_choice("LOG_FORMAT", "text", ("text", "json"), {}) == "text"
    with pytest.raises(ImproperlyConfigured, match=re.escape("LOG_FORMAT='xml' is not one of text, json")):
        env_choice("LOG_FORMAT", "text", ("text", "json"), {"LOG_FORMAT": "xml"})


def test_a_postgres_url_parses_into_django_settings() -> None:
    config = env_database("DATABASE_URL", "", {"DATABASE_URL": "postgres://checker:s3cret@db.internal:5433/workbench"})

    assert {k: config[k] for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")} == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "workbench",
        "USER": "checker",
        "PASSWORD": "s3cret",
        "HOST": "db.internal",
        "PORT": 5433,
    }


def test_a_sqlite_url_parses_and_an_unset_url_takes_the_default() -> None:
    config = env_database("DATABASE_URL", "sqlite:////srv/workbench/db.sqlite3", {})

    assert (config["ENGINE"], config["NAME"]) == ("django.db.backends.sqlite3", "/srv/workbench/db.sqlite3")


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("mysql://user@db/workbench", "is not a supported database URL"),
        ("nonsense", "is not a supported database URL"),
        ("postgres://", "names no database"),
        ("postgres://postgres@127.0.0.1:5432/", "names no database"),
        ("postgres://postgres@127.0.0.1:port/workbench", "is not a valid database URL"),
    ],
)
def test_a_malformed_database_url_names_the_variable(raw: str, problem: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        env_database("DATABASE_URL", "", {"DATABASE_URL": raw})

    assert str(raised.value).startswith(f"DATABASE_URL={raw!r} ")
    assert problem in str(raised.value)


@pytest.mark.parametrize("raw", ["redis://127.0.0.1:6379/0", "rediss://cache.internal:6380/1", ""])
def test_a_redis_broker_or_none_is_accepted(raw: str) -> None:
    assert env_broker("CELERY_BROKER_URL", {"CELERY_BROKER_URL": raw}) == raw


@pytest.mark.parametrize("raw", ["amqp://guest@rabbit//", "127.0.0.1:6379", "sqs://"])
def test_a_broker_that_is_not_redis_names_the_variable(raw: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=re.escape(f"CELERY_BROKER_URL={raw!r} is not a Redis URL")):
        env_broker("CELERY_BROKER_URL", {"CELERY_BROKER_URL": raw})


def test_without_a_cache_url_the_cache_is_in_process_memory() -> None:
    assert env_cache("CACHE_URL", {})["BACKEND"].endswith("LocMemCache")


def test_a_redis_cache_url_shares_the_cache_between_processes() -> None:
    config = env_cache("CACHE_URL", {"CACHE_URL": "redis://127.0.0.1:6379/2"})

    assert config == {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/2"}


def test_a_cache_url_that_is_not_redis_names_the_variable() -> None:
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL='memcached://x' is not a Redis URL"):
        env_cache("CACHE_URL", {"CACHE_URL": "memcached://x"})
