"""Sign-in lockout: failed passwords counted per username and per client address.

Counters live in the default cache (Redis when CACHE_URL is set, so every web and API
process shares them). ``LOGIN_FAILURES_PER_USERNAME`` failures for one username, or
``LOGIN_FAILURES_PER_ADDRESS`` from one address, within ``LOGIN_LOCKOUT_SECONDS`` lock that
username or address for ``LOGIN_LOCKOUT_SECONDS``: every sign-in is refused, the right
password too, until the lock expires. A username that does not exist is counted and locked
exactly like one that does, so a lockout tells nothing about which usernames exist.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time

from django.conf import settings
from django.core.cache import cache

KEY_PREFIX = "login-lockout"


def _address_group(address: str) -> str:
    """One IPv6 client holds a whole /64, so its addresses share one counter."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def _counters(*, username: str, address: str) -> list[tuple[str, int]]:
    """(cache key, failure limit) of each counter a sign-in attempt touches; a limit of 0 is off."""
    counters: list[tuple[str, int]] = []
    # casefold: "Rita" and "rita" share a counter, so case variants cannot multiply the attempts.
    for kind, value, limit in (
        ("username", username.casefold(), int(settings.LOGIN_FAILURES_PER_USERNAME)),
        ("address", _address_group(address) if address else "", int(settings.LOGIN_FAILURES_PER_ADDRESS)),
    ):
        if limit > 0 and value:
            digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:40]
            counters.append((f"{KEY_PREFIX}:{kind}:{digest}", limit))
    return counters


def login_lockout_remaining(*, username: str, address: str) -> int:
    """Seconds until this username and address may try again; 0 when neither is locked."""
    now = time.time()
    waits = [0]
    for key, _limit in _counters(username=username, address=address):
        until = cache.get(f"{key}:locked")
        if until is not None:
            waits.append(max(1, math.ceil(float(until) - now)))
    return max(waits)


def login_failure_record(*, username: str, address: str) -> None:
    """Count a wrong password; a counter that reaches its limit locks its username or address."""
    window = int(settings.LOGIN_LOCKOUT_SECONDS)
    for key, limit in _counters(username=username, address=address):
        # add() starts the window at the first failure; incr() is atomic in Redis and locmem.
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # the window expired between add() and incr()
            cache.set(key, 1, timeout=window)
            count = 1
        if count >= limit:
            cache.set(f"{key}:locked", time.time() + window, timeout=window)
            cache.delete(key)


def login_success_record(*, username: str, address: str) -> None:
    """A right password clears its username's failures. The address's failures stay: one
    account's good password must not let an address go on guessing other accounts."""
    for key, _limit in _counters(username=username, address=""):
        cache.delete(key)


def lockout_message(seconds: int) -> str:
    """What a locked-out client is told: the same words whether or not the username exists."""
    minutes = max(1, math.ceil(seconds / 60))
    wait = "a minute" if minutes == 1 else f"{minutes} minutes"
    return f"Too many failed sign-ins for this username or from this address. Try again in {wait}."
