"""Fixtures for the account tests: lockout counters start from zero in every test."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_lockout_counters(settings: Any) -> None:
    cache.clear()
    # Generous API login rate, so only the lockout (not the per-address rate) refuses a token login.
    settings.API_LOGIN_RATE = "1000/min"
