"""Sign-in lockout: failed passwords are counted per username and per client address (web
login, admin login and API token login alike); at the limit even the right password is
refused, with a message that does not tell whether the username exists, until the lock expires."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client
from rest_framework.test import APIClient

from tests.api.conftest import assert_error_shape
from tests.conftest import DEFAULT_TEST_BROKER

PASSWORD = "correct horse battery"
LOGIN = "/accounts/login/"
TOKEN_LOGIN = "/api/v1/auth/token/"
LOCKED = "Too many failed sign-ins"


def sign_in(client: Client, username: str, password: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, username: str, times: int) -> list[int]:
    return [sign_in(client, username, "wrong password").status_code for _ in range(times)]


@pytest.fixture
def limits(settings: Any) -> Any:
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    settings.LOGIN_FAILURES_PER_ADDRESS = 10
    settings.LOGIN_LOCKOUT_SECONDS = 900
    return settings


@pytest.fixture(params=["memory", "redis"])
def cache_backend(request: pytest.FixtureRequest, limits: Any) -> str:
    """The counters work in the per-process cache and in Redis (CACHE_URL), which every process shares."""
    if request.param == "redis":
        url = os.environ.get("CELERY_TEST_BROKER_URL") or DEFAULT_TEST_BROKER
        # A key prefix of its own, so this test neither sees nor clears anyone else's keys.
        limits.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            }
        }
        assert caches["default"].__class__.__name__ == "RedisCache"
    return str(request.param)


def test_the_right_password_after_the_failure_limit_is_refused_with_429(reviewer: User, cache_backend: str):
    client = Client()
    # The third failure reaches the limit: that answer already says the account is locked out.
    assert fail(client, reviewer.username, 3) == [200, 200, 429]
    response = sign_in(client, reviewer.username, PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 900
    assert LOCKED in response.content.decode()
    assert "Try again in 15 minutes" in response.content.decode()
    assert not signed_in(client)


def test_a_hundred_wrong_passwords_then_the_right_one_is_refused(reviewer: User, limits: Any):
    client = Client()
    codes = fail(client, reviewer.username, 100)
    assert codes[:2] == [200, 200]
    assert set(codes[2:]) == {429}
    assert sign_in(client, reviewer.username, PASSWORD).status_code == 429
    assert not signed_in(client)


def test_the_lockout_reads_the_same_for_a_username_that_does_not_exist(reviewer: User, limits: Any):
    real, made_up = Client(REMOTE_ADDR="192.0.2.1"), Client(REMOTE_ADDR="192.0.2.2")
    fail(real, reviewer.username, 3)
    fail(made_up, "nobody-by-this-name", 3)
    answers = [
        sign_in(real, reviewer.username, PASSWORD),
        sign_in(made_up, "nobody-by-this-name", PASSWORD),
    ]
    assert [a.status_code for a in answers] == [429, 429]
    errors = [a.context["form"].non_field_errors() for a in answers]
    assert errors[0] == errors[1]


def test_a_sign_in_after_the_lockout_expires_works(reviewer: User, cache_backend: str, settings: Any):
    settings.LOGIN_LOCKOUT_SECONDS = 1
    client = Client()
    fail(client, reviewer.username, 3)
    assert sign_in(client, reviewer.username, PASSWORD).status_code == 429
    time.sleep(1.2)
    response = sign_in(client, reviewer.username, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_a_right_password_clears_the_usernames_failures(reviewer: User, limits: Any):
    client = Client()
    for _ in range(3):
        assert fail(client, reviewer.username, 2) == [200, 200]
        assert sign_in(client, reviewer.username, PASSWORD).status_code == 302
        client.logout()


def test_case_variants_of_a_username_share_one_counter(reviewer: User, limits: Any):
    client = Client()
    for variant in ("RITA-reviewer", "Rita-Reviewer", "rita-REVIEWER"):
        fail(client, variant, 1)
    assert sign_in(client, reviewer.username, PASSWORD).status_code == 429


def test_an_address_guessing_across_usernames_is_locked_out(reviewer: User, limits: Any, settings: Any):
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(4):
        fail(guesser, f"user-{n}", 1)
    assert sign_in(guesser, reviewer.username, PASSWORD).status_code == 429
    # The account itself is not locked: from another address its owner signs in.
    owner = Client(REMOTE_ADDR="198.51.100.20")
    assert sign_in(owner, reviewer.username, PASSWORD).status_code == 302


def test_a_right_password_does_not_clear_an_addresses_failures(reviewer: User, limits: Any, settings: Any):
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    guesser = Client(REMOTE_ADDR="203.0.113.8")
    fail(guesser, "victim-1", 2)
    assert sign_in(guesser, reviewer.username, PASSWORD).status_code == 302
    guesser.logout()
    assert fail(guesser, "victim-2", 2) == [200, 429]


def test_an_ipv6_client_is_counted_by_its_64_block(reviewer: User, limits: Any, settings: Any):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for host in ("1", "2", "3"):
        fail(Client(REMOTE_ADDR=f"2001:db8:0:1::{host}"), f"user-{host}", 1)
    assert sign_in(Client(REMOTE_ADDR="2001:db8:0:1::99"), reviewer.username, PASSWORD).status_code == 429
    assert sign_in(Client(REMOTE_ADDR="2001:db8:0:2::1"), reviewer.username, PASSWORD).status_code == 302


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_escape_the_lockout(reviewer: User, limits: Any):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(3):
        client.post(LOGIN, {"username": f"u{n}", "password": "x"}, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")
    for n in range(7):
        client.post(LOGIN, {"username": f"v{n}", "password": "x"}, HTTP_X_FORWARDED_FOR=f"10.8.8.{n}")
    response = client.post(
        LOGIN, {"username": reviewer.username, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="10.7.7.7"
    )
    assert response.status_code == 429


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_counter(reviewer: User, limits: Any, settings: Any):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    for n in range(3):
        proxy.post(LOGIN, {"username": f"u{n}", "password": "x"}, HTTP_X_FORWARDED_FOR="198.51.100.66")
    locked = proxy.post(
        LOGIN, {"username": reviewer.username, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.66"
    )
    assert locked.status_code == 429
    other = proxy.post(
        LOGIN, {"username": reviewer.username, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.67"
    )
    assert other.status_code == 302


def test_the_admin_login_is_locked_out_too(admin_user: User, limits: Any):
    admin_user.is_staff = True
    admin_user.save()
    client = Client()
    for _ in range(3):
        client.post("/admin/login/", {"username": admin_user.username, "password": "wrong"})
    response = client.post("/admin/login/?next=/admin/", {"username": admin_user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert not signed_in(client)


def test_the_api_token_login_shares_the_web_lockout(reviewer: User, limits: Any, anonymous_api: APIClient):
    fail(Client(REMOTE_ADDR="192.0.2.50"), reviewer.username, 3)
    body = {"username": reviewer.username, "password": PASSWORD}
    response = anonymous_api.post(TOKEN_LOGIN, body, format="json", REMOTE_ADDR="192.0.2.51")
    error = assert_error_shape(response, 429, "throttled")
    assert error["message"].startswith(LOCKED)
    assert 0 < int(response["Retry-After"]) <= 900


def test_failed_api_token_logins_lock_the_web_login(reviewer: User, limits: Any, anonymous_api: APIClient):
    wrong = {"username": reviewer.username, "password": "wrong"}
    answers = [anonymous_api.post(TOKEN_LOGIN, wrong, format="json").status_code for _ in range(3)]
    assert answers == [401, 401, 429]
    assert sign_in(Client(REMOTE_ADDR="192.0.2.60"), reviewer.username, PASSWORD).status_code == 429


def test_limits_of_zero_turn_the_lockout_off(reviewer: User, settings: Any):
    settings.LOGIN_FAILURES_PER_USERNAME = 0
    settings.LOGIN_FAILURES_PER_ADDRESS = 0
    client = Client()
    assert set(fail(client, reviewer.username, 30)) == {200}
    assert sign_in(client, reviewer.username, PASSWORD).status_code == 302


@pytest.fixture
def anonymous_api() -> APIClient:
    return APIClient()
