"""The account settings read at start-up: the token lifetime (0 means never) and the lockout
limits, which stop start-up with a message when they make no sense."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SHOW = "import workbench.settings as s; print(s.REST_KNOX['TOKEN_TTL'], s.LOGIN_FAILURES_PER_USERNAME)"


def settings_with(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LOGIN_", "API_TOKEN_"))}
    return subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env={**clean, "SECRET_KEY": "x", **env}, capture_output=True, text=True
    )


def test_tokens_last_ninety_days_and_five_failures_lock_by_default():
    assert settings_with().stdout.split() == ["90", "days,", "0:00:00", "5"]


def test_a_token_ttl_of_zero_means_tokens_never_expire():
    assert settings_with(API_TOKEN_TTL_DAYS="0").stdout.split()[0] == "None"


@pytest.mark.parametrize(
    "env", [{"LOGIN_LOCKOUT_SECONDS": "0"}, {"API_TOKEN_TTL_DAYS": "-1"}, {"LOGIN_FAILURES_PER_ADDRESS": "-5"}]
)
def test_a_nonsensical_account_setting_stops_start_up(env: dict[str, str]):
    result = settings_with(**env)
    assert result.returncode != 0
    assert "LOGIN_LOCKOUT_SECONDS must be at least 1" in result.stderr
