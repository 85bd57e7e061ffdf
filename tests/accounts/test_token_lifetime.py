"""API tokens expire by default (API_TOKEN_TTL_DAYS, REST_KNOX TOKEN_TTL) and die when their
user's password changes, by whatever path: the admin, the password change screen, or
``set_password`` and ``save`` as ``manage.py changepassword`` does."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from claims.api.authentication import PASSWORD_CHANGED
from claims.models import TokenGrant
from tests.api.conftest import API, assert_error_shape

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a new and long passphrase 42"
TOKEN_LOGIN = f"{API}/auth/token/"


def log_in_for_token(username: str, password: str = PASSWORD, **body: Any) -> dict[str, Any]:
    response = APIClient().post(TOKEN_LOGIN, {"username": username, "password": password, **body}, format="json")
    assert response.status_code == 201, response.content
    return dict(response.json())


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def assert_refused_for_password_change(client: APIClient) -> None:
    error = assert_error_shape(client.get(f"{API}/claims/"), 401, "authentication_failed")
    assert error["message"] == PASSWORD_CHANGED


def test_a_token_expires_after_ninety_days_unless_asked_for_less(reviewer: User):
    issued = log_in_for_token(reviewer.username)
    stored = AuthToken.objects.get(user=reviewer)
    assert stored.expiry is not None
    assert timedelta(days=89, hours=23) < stored.expiry - timezone.now() <= timedelta(days=90)
    assert issued["expiry"] is not None
    short = log_in_for_token(reviewer.username, expiry_hours=2)
    assert short["expiry"] < issued["expiry"]


def test_a_client_cannot_ask_for_a_longer_life_than_the_ttl(reviewer: User):
    log_in_for_token(reviewer.username, expiry_hours=24 * 365)
    stored = AuthToken.objects.get(user=reviewer)
    assert stored.expiry is not None
    assert stored.expiry - timezone.now() <= timedelta(days=90)


def test_a_ttl_of_none_means_tokens_never_expire(reviewer: User, settings: Any):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": None}
    assert log_in_for_token(reviewer.username)["expiry"] is None
    assert AuthToken.objects.get(user=reviewer).expiry is None


def test_an_expired_token_is_refused_with_401_json(reviewer: User):
    client = client_with(log_in_for_token(reviewer.username)["token"])
    assert client.get(f"{API}/claims/").status_code == 200
    AuthToken.objects.filter(user=reviewer).update(expiry=timezone.now() - timedelta(seconds=1))
    assert_error_shape(client.get(f"{API}/claims/"), 401, "authentication_failed")
    # knox deletes an expired token when it is shown.
    assert not AuthToken.objects.filter(user=reviewer).exists()


def test_an_admin_changing_a_password_in_the_admin_kills_the_users_tokens(admin_user: User, reviewer: User):
    client = client_with(log_in_for_token(reviewer.username)["token"])
    assert client.get(f"{API}/claims/").status_code == 200
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    browser = Client()
    browser.force_login(admin_user)
    response = browser.post(
        f"/admin/auth/user/{reviewer.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content
    assert_refused_for_password_change(client)
    # The new password gets a token that works.
    assert (
        client_with(log_in_for_token(reviewer.username, NEW_PASSWORD)["token"]).get(f"{API}/claims/").status_code == 200
    )


def test_set_password_and_save_as_changepassword_does_kill_every_token(reviewer: User):
    clients = [client_with(log_in_for_token(reviewer.username, scope=scope)["token"]) for scope in ("read", "review")]
    out = StringIO()
    call_command("token_create", reviewer.username, stdout=out, stderr=StringIO())
    clients.append(client_with(out.getvalue().strip()))
    assert [c.get(f"{API}/claims/").status_code for c in clients] == [200, 200, 200]
    user = User.objects.get(pk=reviewer.pk)
    user.set_password(NEW_PASSWORD)
    user.save()
    for client in clients:
        assert_refused_for_password_change(client)


def test_setting_the_same_password_again_still_kills_the_tokens(reviewer: User):
    client = client_with(log_in_for_token(reviewer.username)["token"])
    user = User.objects.get(pk=reviewer.pk)
    user.set_password(PASSWORD)
    user.save()
    assert_refused_for_password_change(client)


def test_the_password_change_screen_kills_the_users_tokens(reviewer: User):
    client = client_with(log_in_for_token(reviewer.username)["token"])
    browser = Client()
    browser.force_login(reviewer)
    response = browser.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content
    assert_refused_for_password_change(client)


def test_another_users_password_change_leaves_this_users_tokens_working(reviewer: User, second_reviewer: User):
    client = client_with(log_in_for_token(reviewer.username)["token"])
    second_reviewer.set_password(NEW_PASSWORD)
    second_reviewer.save()
    assert client.get(f"{API}/claims/").status_code == 200


def test_a_password_change_refuses_writes_too(reviewer: User):
    client = client_with(log_in_for_token(reviewer.username, scope="review")["token"])
    reviewer.set_password(NEW_PASSWORD)
    reviewer.save()
    response = client.post(f"{API}/ingest/", {"documents": [{"text": "A short note."}]}, format="json")
    assert_error_shape(response, 401, "authentication_failed")


@pytest.mark.parametrize("with_grant", [True, False])
def test_the_migration_stamps_tokens_issued_before_it_as_current(reviewer: User, with_grant: bool):
    instance, token = AuthToken.objects.create(user=reviewer)
    if with_grant:
        TokenGrant.objects.create(token=instance, scope="review")
    assert_error_shape(client_with(token).get(f"{API}/claims/"), 401)
    migration = import_module("claims.migrations.0015_token_stamp_and_truncate_guard")
    migration.stamps_fill(apps, None)
    assert client_with(token).get(f"{API}/claims/").status_code == 200
    # A token that had no grant keeps what it had: reading only.
    assert TokenGrant.objects.get(token=instance).scope == ("review" if with_grant else "read")
