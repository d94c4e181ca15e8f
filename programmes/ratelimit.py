"""Counting failed attempts (wrong room codes, unknown links) across all app workers.

With REDIS_URL set, counters live in Redis through Django's cache; otherwise in a
PostgreSQL (or SQLite) table, incremented atomically with an upsert.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from programmes.models import RateCounter


@dataclass(frozen=True)
class Limit:
    name: str
    per_device: int
    per_ip: int
    window: int = 60  # seconds


ROOM_CODE = Limit("code", per_device=20, per_ip=100)
LINK_TOKEN = Limit("token", per_device=20, per_ip=100)


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


def _keys(request: HttpRequest, limit: Limit, *, create: bool = False) -> list[tuple[str, int]]:
    bucket = int(time.time() // limit.window)
    keys = [(f"rl:{limit.name}:ip:{client_ip(request)}:{bucket}", limit.per_ip)]
    device = device_id(request, create=create)
    if device:
        keys.append((f"rl:{limit.name}:d:{device}:{bucket}", limit.per_device))
    return keys


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
        cursor.execute(
            f"INSERT INTO {table} (key, count, expires_at) VALUES (%s, 1, %s) "  # noqa: S608
            f"ON CONFLICT (key) DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [key, expires],
        )
        return int(cursor.fetchone()[0])


def is_limited(request: HttpRequest, limit: Limit) -> bool:
    """True once this device or this address has failed too often in the current window."""
    keys = _keys(request, limit)
    counts = _read([key for key, _maximum in keys])
    return any(counts.get(key, 0) >= maximum for key, maximum in keys)


def record_failure(request: HttpRequest, limit: Limit) -> None:
    for key, _maximum in _keys(request, limit, create=True):
        _increment(key, limit.window)


def purge_expired() -> int:
    """Delete finished windows' counters; returns how many rows went."""
    deleted, _ = RateCounter.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
