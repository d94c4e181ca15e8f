"""Counting failed attempts (wrong room codes, unknown links) across all app workers.

With REDIS_URL set, counters live in Redis through Django's cache; otherwise in a
PostgreSQL (or SQLite) table, incremented atomically with an upsert.

A whole room (one Wi-Fi, one NAT) shares one client address, so a room code's limit per
address only slows attempts down (RATE_LIMIT_DELAY seconds each); it never refuses them.
Phones that have already joined are counted apart from those still typing the code, so a
room's own typos after joining never slow the others down. Only one browser session that
keeps guessing is refused. Links carry 256-bit tokens: past either limit an unknown token
is refused, while a valid one is never counted.
"""

from __future__ import annotations

import datetime
import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from programmes.models import RateCounter


@dataclass(frozen=True)
class Limit:
    name: str
    per_device: int
    per_ip: int
    window: int = 60  # seconds
    slow_past_ip_limit: bool = False  # past per_ip: answer after a delay instead of refusing


# 300 phones that each mistype the code once within the same minute stay under per_ip.
ROOM_CODE = Limit("code", per_device=20, per_ip=300, slow_past_ip_limit=True)
LINK_TOKEN = Limit("token", per_device=20, per_ip=100)


class Standing(enum.Enum):
    """Where a device and its address stand against a limit in the current window."""

    FREE = "free"
    SLOWED = "slowed"
    REFUSED = "refused"


class TooManyAttempts(Exception):
    """This device or address has presented too many unknown tokens: answer 429."""


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address the configured number of trusted proxies saw."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if len(addresses) >= hops:
            return addresses[-hops][:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def device_id(request: HttpRequest, *, create: bool = False) -> str:
    """The browser's session key stands for the device; a first failure creates one."""
    if create and not request.session.session_key:
        request.session.save()
    return request.session.session_key or ""


def _keys(
    request: HttpRequest, limit: Limit, *, joined: bool = False, create: bool = False
) -> tuple[tuple[str, int], tuple[str, int] | None]:
    """The address's counter (joined phones have their own) and the device's, if it has one."""
    bucket = int(time.time() // limit.window)
    scope = "ip-joined" if joined else "ip"
    address = (f"rl:{limit.name}:{scope}:{client_ip(request)}:{bucket}", limit.per_ip)
    device = device_id(request, create=create)
    if not device:
        return address, None
    return address, (f"rl:{limit.name}:d:{device}:{bucket}", limit.per_device)


def _read(keys: list[str]) -> dict[str, int]:
    if settings.REDIS_URL:
        return {key: int(value) for key, value in cache.get_many(keys).items()}
    rows = RateCounter.objects.filter(key__in=keys, expires_at__gt=timezone.now())
    return dict(rows.values_list("key", "count"))


def _increment(key: str, window: int) -> int:
    if settings.REDIS_URL:
        cache.add(key, 0, timeout=window * 2)
        return int(cache.incr(key))
    expires = timezone.now() + datetime.timedelta(seconds=window * 2)
    table = RateCounter._meta.db_table
    with connection.cursor() as cursor:
        # The table name is our model's own; the values are parameters.
        upsert = (
            f"INSERT INTO {table} (key, count, expires_at) VALUES (%s, 1, %s) "  # noqa: S608  # nosec B608
            f"ON CONFLICT (key) DO UPDATE SET count = {table}.count + 1 RETURNING count"
        )
        cursor.execute(
            upsert,
            [key, expires],
        )
        return int(cursor.fetchone()[0])


def standing(request: HttpRequest, limit: Limit, *, joined: bool = False) -> Standing:
    """Refused once this device has failed too often in the current window; once its address
    has, slowed or refused as the limit says. `joined`: the session already holds a room or a
    personal link, and is counted apart from the phones still typing the code."""
    address, device = _keys(request, limit, joined=joined)
    counts = _read([key for key, _maximum in filter(None, (address, device))])
    if device is not None and counts.get(device[0], 0) >= device[1]:
        return Standing.REFUSED
    if counts.get(address[0], 0) >= address[1]:
        return Standing.SLOWED if limit.slow_past_ip_limit else Standing.REFUSED
    return Standing.FREE


def is_limited(request: HttpRequest, limit: Limit, *, joined: bool = False) -> bool:
    """True once an attempt from this device or address is to be refused."""
    return standing(request, limit, joined=joined) is Standing.REFUSED


def record_failure(request: HttpRequest, limit: Limit, *, joined: bool = False) -> None:
    for key, _maximum in filter(None, _keys(request, limit, joined=joined, create=True)):
        _increment(key, limit.window)


def allow(name: str, subject: str, *, maximum: int, window: int = 60) -> bool:
    """Count one use of something costly by a subject (a user id) in the current window;
    False once it is past `maximum` there. Shared across workers and servers like every
    counter here (Redis when set, else the database)."""
    bucket = int(time.time() // window)
    return _increment(f"rl:{name}:u:{subject}:{bucket}", window) <= maximum


def count(name: str, subject: str, *, window: int = 60) -> int:
    """How many uses `allow` has counted for this subject in the current window."""
    bucket = int(time.time() // window)
    key = f"rl:{name}:u:{subject}:{bucket}"
    return _read([key]).get(key, 0)


def slow_down() -> None:
    """Hold an attempt from an address past its limit for RATE_LIMIT_DELAY seconds.

    Called before the code is looked up, so a right code waits as long as a wrong one and a
    guesser learns nothing by giving up early.
    """
    if settings.RATE_LIMIT_DELAY > 0:
        time.sleep(settings.RATE_LIMIT_DELAY)


def count_unknown_token(request: HttpRequest, limit: Limit) -> None:
    """Count a token that opened nothing; past the limit, raise TooManyAttempts instead."""
    if is_limited(request, limit):
        raise TooManyAttempts
    record_failure(request, limit)


def answers_too_many_attempts(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn TooManyAttempts raised while handling the request into the 429 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except TooManyAttempts:
            return render(request, "429.html", status=429)

    return wrapper


def purge_expired() -> int:
    """Delete finished windows' counters; returns how many rows went."""
    deleted, _ = RateCounter.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
