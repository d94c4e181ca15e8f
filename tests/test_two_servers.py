"""Two app servers keep no state of their own: a phone may be sent to either at every step.

Two real gunicorn processes (config/gunicorn.py, 3 sync workers each, DEBUG=0, one
SECRET_KEY) on free loopback ports, both on this test's PostgreSQL database and on a Redis
database of the test's own as REDIS_URL, as two machines behind a load balancer without
sticky sessions. Each phone sends its requests to A and B in turn. benchmarks/two_servers.py
is the large version (200 phones, the board's dots, the login lock) and prints figures.

How each test was seen to fail (each check can fail):
- server B started with a SECRET_KEY of its own: B cannot read the sessions A signed, the
  phone's second step on B is sent back to the start (the walk's FlowError) and the first
  two tests fail;
- server B started with another Redis database: each server counts half of the device's
  wrong codes, and the split device is refused only at attempt 41, not 21;
- surveys.services.submit changed to delete every other draft without storing its
  response: about half of the 20 keys are missing (13 in the run tried).
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
from django.contrib.sessions.models import Session
from django.db import connection

from benchmarks import benchlib
from programmes import ratelimit
from programmes.models import RateCounter
from surveys import services
from surveys.models import ROOM_CODE_ALPHABET, Response
from surveys.views import pages

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("two_servers")]

# A Redis database of this test's own. It is never emptied: every key the test makes holds
# a fresh session key or expires within two minutes, so runs side by side do not disturb
# each other (the room's per-address count only slows attempts past 300 a minute).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
PHONES = 20

# DEBUG=0 as in production, but with plain static storage: the manifest storage that DEBUG=0
# uses would need collectstatic (45 s on this machine), and no static file is fetched here.
SETTINGS = """\
from config.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
"""


def redis_client():
    import redis

    return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)


def database_url_for_servers() -> str:
    """This test's database, as a URL the servers read (pytest-django renamed it)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker, tmp_path_factory):
    """Servers A and B, started side by side; their ports in that order."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("two servers need a database both reach: run on PostgreSQL")
        url = database_url_for_servers()
    client = redis_client()
    try:
        client.ping()
    except Exception as error:  # redis raises its own ConnectionError
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {error}")
    finally:
        client.close()
    tmp = tmp_path_factory.mktemp("two-servers")
    (tmp / "two_servers_settings.py").write_text(SETTINGS)
    env = {
        "DEBUG": "0",
        "SECRET_KEY": benchlib.random_secret_key(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DATABASE_URL": url,
        "REDIS_URL": REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "two_servers_settings",
    }
    made: dict[str, benchlib.Server] = {}

    def start(name: str) -> None:
        made[name] = benchlib.start_gunicorn(
            name=f"server {name}",
            app="config.wsgi",
            env={**env, "SLOTS_DIR": str(tmp / f"slots-{name}")},
            log_path=tmp / f"server-{name}.log",
            extra_args=("-c", "config/gunicorn.py", "--pythonpath", str(tmp)),
            ready_timeout=60.0,
        )

    threads = [threading.Thread(target=start, args=(name,)) for name in "AB"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    try:
        assert set(made) == {"A", "B"}, "a server did not start; see its log in " + str(tmp)
        yield (made["A"].port, made["B"].port)
        for server in made.values():
            assert server.log_problems() == [], f"errors in {server.log_path}"
    finally:
        for server in made.values():
            server.stop()


def survey_of(round) -> dict:
    """What a phone's walk needs to know of the round, read here in the test's own thread
    (threads that query the database leave connections the test database cannot drop)."""
    items = services.survey_items(round.programme)
    return {
        "round_id": round.pk,
        "code": services.room_code(round),
        "pages": [[item.pk for item in page] for page in pages(items)],
    }


def walk(ports, survey: dict, unit_id: int, number: int):
    """A phone from the room code to its review page, alternating servers at every step."""
    phone = benchlib.split_phone(ports, first=number)
    return phone, benchlib.answer_survey(phone, **survey, unit_id=unit_id, seed=number)


def session_key(phone: benchlib.Phone) -> str:
    return next(value for name, value in phone.cookies.items() if "sessionid" in name)


def test_a_phone_session_made_on_one_server_serves_on_the_other(servers, cast, open_round):
    phone, form = walk(servers, survey_of(open_round), cast.units["South"].pk, 0)
    # Every step on the other server than the step before, which it reads.
    assert phone.served[servers[0]] >= 4
    assert abs(phone.served[servers[0]] - phone.served[servers[1]]) <= 1
    assert Session.objects.count() == 1  # neither server started a session of its own
    key = session_key(phone)
    for port in servers:
        review = phone.tab(port).request("GET", f"/s/{open_round.pk}/review/")
        assert review.status == 200
        assert benchlib.hidden_input(review.text, "draft") == form["draft"]
        assert benchlib.hidden_input(review.text, "key") == form["key"]
    assert session_key(phone) == key
    print(f"\none phone: {dict(phone.served)} requests per server, one session")


def test_twenty_phones_sending_each_submit_three_times_across_both_store_twenty(
    servers, cast, open_round
):
    survey = survey_of(open_round)
    units = [unit.pk for unit in cast.units.values()]
    with ThreadPoolExecutor(4) as pool:
        walked = list(
            pool.map(lambda i: walk(servers, survey, units[i % len(units)], i), range(PHONES))
        )
    review = f"/s/{open_round.pk}/review/"
    # A double tap: the same form from two tabs at once, one to each server, every phone
    # behind one barrier; then a resend to the server the phone started on.
    calls = [
        functools.partial(phone.tab(port).request, "POST", review, form)
        for phone, form in walked
        for port in servers
    ]
    shots, wall = benchlib.burst(calls, barrier_timeout=30, join_timeout=60)
    later = [phone.tab(phone.ports[0]).request("POST", review, form) for phone, form in walked]
    stored = [str(k) for k in Response.objects.values_list("idempotency_key", flat=True)]
    assert sorted(stored) == sorted(form["key"] for _phone, form in walked)  # 0 lost, 0 twice
    statuses = [shot.status for shot in shots] + [reply.status for reply in later]
    assert statuses == [303] * (3 * PHONES), benchlib.histogram(shots)
    print(
        f"\n{PHONES} phones x 3 sends over two servers: {len(stored)} responses, "
        f"burst of {len(shots)} in {wall:.2f} s"
    )


def fresh_minute(margin: float = 10.0) -> None:
    """Start a sequence early enough in a counting minute that it ends in the same one."""
    left = 60 - time.time() % 60
    if left < margin:
        time.sleep(left + 0.2)


def refused_at(phone: benchlib.Phone, codes) -> int:
    """The attempt at which the device's wrong codes are first refused (0: never)."""
    fresh_minute()
    for number, code in enumerate(codes, start=1):
        if phone.request("GET", f"/j/{code}/").status == 429:
            return number
    return 0


def wrong_codes(right: str, count: int) -> list[str]:
    """Well-formed codes, none of them the open room's."""
    codes = ("".join(c) for c in itertools.product(ROOM_CODE_ALPHABET[:6], repeat=6))
    return list(itertools.islice((code for code in codes if code != right), count))


def test_a_device_wrong_codes_across_both_servers_hit_the_limit_at_the_same_count(
    servers, cast, open_round
):
    limit = ratelimit.ROOM_CODE.per_device
    codes = wrong_codes(services.room_code(open_round), 2 * limit + 4)
    split = benchlib.split_phone(servers)
    one_server = benchlib.split_phone(servers[:1])
    assert refused_at(split, codes) == refused_at(one_server, codes) == limit + 1
    assert set(split.served) == set(servers)
    # Counted in Redis, not in the database's fallback table.
    assert not RateCounter.objects.exists()
    client = redis_client()
    try:
        counters = list(client.scan_iter(match=f"*rl:code:d:{session_key(split)}:*"))
        assert len(counters) == 1
        assert int(client.get(counters[0])) == limit
    finally:
        client.close()
    print(f"\nwrong codes refused at attempt {limit + 1} alternating servers and on one server")
