"""The Redis cache keeps one client per connection pool, and nothing but Redis holds what it caches.

programmes.redis_cache.RedisCache is Django's Redis cache with the client object kept per
pool instead of built on every call. Sessions, rate limits and used second-factor codes
live in it, and a phone's next request may reach another worker or server: so every test
here writes through one cache object and reads through another (two workers), against the
real Redis on 127.0.0.1 (database 8, or TEST_REDIS_URL), under a key prefix of its own.
That production uses it with REDIS_URL set is checked in tests/test_settings.py.
"""

from __future__ import annotations

import os
import threading
import uuid

import pytest
import redis

from programmes.redis_cache import RedisCache

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/8")


def worker_cache(prefix: str) -> RedisCache:
    """A cache as one worker builds it from the settings (a process of its own would)."""
    return RedisCache(REDIS_URL, {"KEY_PREFIX": prefix, "OPTIONS": {"socket_timeout": 2}})


@pytest.fixture
def workers():
    prefix = f"test-redis-cache-{uuid.uuid4().hex}"
    first, second = worker_cache(prefix), worker_cache(prefix)
    yield first, second
    client = first._cache.get_client(write=True)
    for key in client.scan_iter(f"{prefix}:*"):  # only this test's keys (clear() flushes all)
        client.delete(key)
    first.close()
    second.close()


def test_what_one_worker_writes_the_other_reads(workers):
    first, second = workers
    first.set("session", {"draft": "d1"}, 60)
    assert second.get("session") == {"draft": "d1"}
    assert first.add("code", 0, 60) and not second.add("code", 5, 60)
    assert [first.incr("code"), second.incr("code"), first.incr("code")] == [1, 2, 3]
    second.set_many({"a": 1, "b": 2}, 60)
    assert first.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}
    second.delete("session")
    assert first.get("session") is None


def test_one_client_serves_every_call_of_a_worker(workers):
    first, _second = workers
    client = first._cache.get_client(write=True)
    for number in range(20):
        first.set(f"k{number}", number, 60)
        assert first.get(f"k{number}") == number
    assert first._cache.get_client() is client
    assert first._cache.get_client(write=True) is client
    assert isinstance(client, redis.Redis)
    assert client.connection_pool is first._cache._get_connection_pool(True)


def test_threads_share_the_client_and_lose_no_count(workers):
    first, second = workers
    first.set("counter", 0, 60)

    def count() -> None:
        for _ in range(50):
            first.incr("counter")

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert second.get("counter") == 400


def test_a_forked_worker_talks_to_redis_on_its_own_connection(workers):
    """gunicorn preloads the app and forks its workers: a client made before the fork must
    not share the master's socket with a worker (redis-py's pool checks the process id)."""
    first, second = workers
    first.set("before-fork", 1, 60)  # the master's connection is made and pooled
    pid = os.fork()
    if pid == 0:  # the worker
        code = 1
        try:
            first.incr("before-fork")
            code = 0 if first.get("before-fork") == 2 else 2
        finally:
            os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert first.get("before-fork") == 2 and second.get("before-fork") == 2
