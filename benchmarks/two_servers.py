"""Two app servers, one PostgreSQL, one Redis: phones alternate between the servers.

    .venv/bin/python benchmarks/two_servers.py             # every part, about 4 minutes
    .venv/bin/python benchmarks/two_servers.py limits      # some parts: burst, board, limits

The app servers keep no state of their own: what a phone's session holds, the drafts, the
idempotency keys, the seats and dots and the rate-limit counters are all in PostgreSQL or
Redis. This shows it. Each phone sends request after request to the next server in turn (a
load balancer without sticky sessions), so a session made on server A is read on server B
at every step.

Set-up: a throwaway database on the PostgreSQL server of DATABASE_URL (default
127.0.0.1:5432), created, migrated and dropped by the script; `--redis` (default
redis://127.0.0.1:6379/5: a database number of this script's own, emptied before and after
the run) as REDIS_URL; static files collected once into a temporary folder (one build per
release, as every server of a release serves the same files); then two
`gunicorn -c config/gunicorn.py config.wsgi` with 3 sync workers each, DEBUG=0, the same
SECRET_KEY, on two loopback ports, each with a render-slot folder of its own (as on two
machines). Only 127.0.0.1 is used; the shared PostgreSQL server is not otherwise touched.

Parts (each bounded in count and time; each prints PASS or FAIL):

burst   --phones phones (default 200) answer the survey, alternating servers at every step,
        then submit it three times: twice at once (one copy to each server, behind one
        barrier with every other phone) and once more 5 s later. Exactly one Response per
        phone: LOST (acknowledged, not stored) 0, DUPLICATED 0.
board   the same number of phones join a seminar room's board, post one text each (two
        copies with one key, one to each server, all at once), then spend 3 dots: four
        "1 dot on an item" requests each, two to each server, all phones at once. 0 posts
        lost or duplicated, 0 seats or items over their budget, 0 votes lost.
limits  one device's wrong room codes and unknown personal-link tokens, alternating servers,
        are refused at the same attempt as one device's on one server (the 21st: 20 a
        minute); five failed logins for one account, alternating servers, lock it (the
        6th attempt gets 429) as on one server.

`--servers 1` runs the same parts on server A alone (phones send every request there), for
the figures to compare with: on this 2-core machine a second server adds workers but no
cores, so no throughput is expected from it here.

Controls, to see the checks fail when something that must be shared is not:
`--control different-secret-keys` gives server B a SECRET_KEY of its own: B cannot read the
sessions A signed, so the walks stop and parts burst and board FAIL. `--control
separate-redis` gives server B a Redis database of its own (redis://127.0.0.1:6379/6, also
emptied before and after): each server counts half of a device's failures, so the limits
hit late or not at all and part limits FAILS.

Not run in CI: tests/test_two_servers.py is its small version.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import os
import random
import shutil
import string
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
import submit_burst

PARTS = ("burst", "board", "limits")
PHONES = 200
PREPARE_THREADS = 8
PREPARE_TIMEOUT = 600.0  # seconds for every phone to reach its review page or its board
LATER_DELAY = 5.0
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"
CONTROL_REDIS = "redis://127.0.0.1:6379/6"  # server B's under --control separate-redis
CONTROLS = ("none", "different-secret-keys", "separate-redis")
DOTS_PER_SEAT = 3
DOTS_PER_ITEM = 2
VOTE_ITEMS = 10
MAX_ATTEMPTS = 30  # wrong codes or tokens a device tries before the run gives up
LOGIN_ATTEMPTS = 7  # five failures, then two that must be locked
WINDOW_MARGIN = 20.0  # seconds left in a rate-limit minute needed to start a sequence


# --- Set-up -----------------------------------------------------------------------------------


@dataclass
class Servers:
    """The app servers, A first; `ports` in the order phones take turns."""

    running: list[benchlib.Server]

    @property
    def ports(self) -> tuple[int, ...]:
        return tuple(server.port for server in self.running)

    @property
    def twins(self) -> tuple[int, int]:
        """Where a phone's two tabs send at once: one to each server (with one, both to A)."""
        return (self.ports[0], self.ports[-1])

    def turn(self, number: int) -> int:
        return self.ports[number % len(self.ports)]

    def name(self, port: int) -> str:
        return "AB"[self.ports.index(port)]

    @property
    def split(self) -> str:
        """How a phone's requests are spread, for the printed lines."""
        return "alternating A/B" if len(self.ports) > 1 else "all on A (--servers 1)"

    def stop(self) -> None:
        for server in self.running:
            server.stop()


def flush_redis(url: str) -> None:
    """Empty this script's own Redis database (never another number)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()


def redis_keys(url: str) -> list[str]:
    """Every key in this script's Redis database (a few hundred at most)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        return [key.decode() for key in client.scan_iter(count=500)]
    finally:
        client.close()


def throwaway_database(base_url: str) -> str:
    """Create an empty database beside base_url's, named for this run; its URL."""
    import psycopg

    parts = urlsplit(base_url)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server")
    name = f"bench_two_servers_{uuid.uuid4().hex[:8]}"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return parts._replace(path=f"/{name}").geturl()


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.startswith("bench_two_servers_"):  # only ever the one this script made
        return
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start_servers(url: str, redis_url: str, tmp: Path, control: str, count: int) -> Servers:
    """`count` gunicorns (two, or one to compare) as production runs them, side by side."""
    secret = benchlib.random_secret_key()
    env = {
        "DEBUG": "0",
        "SECRET_KEY": secret,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "bench_static_settings",
    }
    started = time.perf_counter()
    submit_burst.collectstatic(tmp, env)
    print(f"collectstatic       {time.perf_counter() - started:.1f} s, once for every server")
    envs = {name: {**env, "SLOTS_DIR": str(tmp / f"slots-{name}")} for name in "AB"[:count]}
    if control == "different-secret-keys":
        envs["B"]["SECRET_KEY"] = benchlib.random_secret_key()
    if control == "separate-redis":
        envs["B"]["REDIS_URL"] = CONTROL_REDIS
    made: dict[str, benchlib.Server] = {}
    errors: list[str] = []

    def start(name: str) -> None:
        try:
            made[name] = benchlib.start_gunicorn(
                name=f"server-{name.lower()}",
                app="config.wsgi",
                env=envs[name],
                log_path=tmp / f"server-{name.lower()}.log",
                extra_args=("-c", "config/gunicorn.py", "--pythonpath", str(tmp)),
                ready_timeout=120.0,
            )
        except RuntimeError as error:
            errors.append(str(error))

    started = time.perf_counter()
    threads = [threading.Thread(target=start, args=(name,)) for name in envs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    if errors or len(made) != count:
        for server in made.values():
            server.stop()
        raise RuntimeError("; ".join(errors) or "a server did not start in time")
    servers = Servers([made[name] for name in envs])
    where = ", ".join(f"{servers.name(p)} on 127.0.0.1:{p}" for p in servers.ports)
    print(
        f"servers             {where}: gunicorn -c config/gunicorn.py, 3 sync workers each, "
        f"DEBUG=0, ready in {time.perf_counter() - started:.1f} s"
    )
    return servers


# --- Figures ----------------------------------------------------------------------------------


def per_server(servers: Servers, ports: list[int], shots: list[benchlib.Shot], wall: float) -> str:
    """Requests per second each server answered in a burst, and both together.

    All shots leave at the barrier's release, so a server's share of the burst took as long
    as its slowest answer."""
    parts = []
    for port in servers.ports:
        mine = [shot for shot, to in zip(shots, ports, strict=True) if to == port]
        took = max((shot.seconds for shot in mine), default=0.0) or wall
        parts.append(f"{servers.name(port)} {len(mine) / took:.1f}/s ({len(mine)} requests)")
    return ", ".join(parts) + f"; total {len(shots) / wall:.1f}/s"


def served_line(servers: Servers, phones: list[benchlib.SplitPhone]) -> str:
    served = Counter()
    for phone in phones:
        served.update(phone.served)
    return ", ".join(f"{servers.name(port)} {served[port]}" for port in servers.ports)


def verdict(name: str, checks: list[tuple[str, bool]]) -> bool:
    ok = all(passed for _label, passed in checks)
    shown = ", ".join(f"{label}: {'yes' if passed else 'NO'}" for label, passed in checks)
    print(f"  {'PASS' if ok else 'FAIL'}              {name}: {shown}")
    return ok


def prepare(count: int, walk) -> tuple[list, float, list[str]]:
    """Run walk(i) for every phone, 8 at a time; the results, the time and the failures."""
    started = time.perf_counter()
    done, failures = [], []
    pool = ThreadPoolExecutor(PREPARE_THREADS)
    try:
        futures = [pool.submit(walk, i) for i in range(count)]
        for future in as_completed(futures, timeout=PREPARE_TIMEOUT):
            try:
                done.append(future.result())
            except (benchlib.FlowError, ValueError, OSError, http.client.HTTPException) as error:
                failures.append(f"{type(error).__name__}: {error}")
    finally:  # on a timeout, drop the phones not yet started
        pool.shutdown(wait=True, cancel_futures=True)
    return done, time.perf_counter() - started, failures


def print_failures(failures: list[str]) -> None:
    if failures:
        print(f"  walks that failed {len(failures)}; the first: {failures[0][:160]}")


# --- Part (a): the submit burst ---------------------------------------------------------------


def part_burst(servers: Servers, phones_wanted: int) -> bool:
    from surveys.models import Response
    from surveys.views import pages

    fixture = benchlib.build_programme(label="two servers", departments=3, teams=4)
    try:
        survey_round = fixture.rounds[0]
        item_pages = [[item.pk for item in page] for page in pages(fixture.items)]
        print(
            f"(a) burst: {phones_wanted} phones answer the survey, {servers.split} at every "
            f"step, then submit twice at once (one copy to each server) and once {LATER_DELAY:.0f}"
            " s later"
        )

        def walk(i: int) -> tuple[benchlib.SplitPhone, dict[str, str]]:
            phone = benchlib.split_phone(servers.ports, first=i)
            form = benchlib.answer_survey(
                phone,
                round_id=survey_round.pk,
                code=survey_round.room_code,
                unit_id=fixture.leaves[i % len(fixture.leaves)].pk,
                pages=item_pages,
                seed=i,
            )
            return phone, form

        walked, took, failures = prepare(phones_wanted, walk)
        phones = [phone for phone, _form in walked]
        steps = sum(sum(phone.served.values()) for phone in phones)
        print(
            f"  answered          {len(walked)} of {phones_wanted} phones in {took:.1f} s "
            f"({steps / took:.0f} requests/s; served by {served_line(servers, phones)})"
        )
        print_failures(failures)

        review = f"/s/{survey_round.pk}/review/"
        calls, ports = [], []
        for phone, form in walked:
            for port in servers.twins:  # two tabs at once, one to each server
                calls.append(functools.partial(phone.tab(port).request, "POST", review, form))
                ports.append(port)
        shots, wall = benchlib.burst(calls) if calls else ([], 1.0)
        after_burst = Response.objects.filter(round=survey_round).count()
        time.sleep(LATER_DELAY)
        later_ports = [servers.turn(i) for i in range(len(walked))]
        later_calls = [
            functools.partial(phone.tab(port).request, "POST", review, form)
            for (phone, form), port in zip(walked, later_ports, strict=True)
        ]
        later, later_wall = benchlib.burst(later_calls) if later_calls else ([], 1.0)

        # Acknowledged: a 303 to any of the three sends. Stored: the Response rows.
        acknowledged = set()
        for index, shot in enumerate(shots):
            if shot.status == 303:
                acknowledged.add(walked[index // 2][1]["key"])
        for (_phone, form), shot in zip(walked, later, strict=True):
            if shot.status == 303:
                acknowledged.add(form["key"])
        keys = [
            str(k)
            for k in Response.objects.filter(round=survey_round).values_list(
                "idempotency_key", flat=True
            )
        ]
        lost = len(acknowledged - set(keys))
        duplicated = len(keys) - len(set(keys))
        errors = [s for s in shots + later if s.status == 0 or s.status >= 500]
        print(f"  burst status      {benchlib.histogram(shots)}")
        print(f"  burst wall time   {wall:.2f} s; {len(walked) / wall:.1f} submissions/s")
        print(f"  throughput        {per_server(servers, ports, shots, wall)}")
        print(f"  latency           {benchlib.latency_line(shots)}")
        print(f"  later status      {benchlib.histogram(later)} (wall {later_wall:.2f} s)")
        print(f"  Response rows     {len(keys)} ({after_burst} right after the burst)")
        print(f"  acknowledged      {len(acknowledged)} keys")
        print(f"  LOST              {lost}")
        print(f"  DUPLICATED        {duplicated}")
        return verdict(
            "burst",
            [
                (f"{phones_wanted} phones walked", len(walked) == phones_wanted),
                (f"{phones_wanted} rows", len(keys) == phones_wanted),
                ("0 LOST", lost == 0),
                ("0 DUPLICATED", duplicated == 0),
                ("every send 303", all(s.status == 303 for s in shots + later)),
                ("0 errors", not errors),
            ],
        )
    finally:
        fixture.delete()


# --- Part (b): the board ----------------------------------------------------------------------


def letters(number: int, width: int = 3) -> str:
    """A number as lower-case letters: no digits, so the name guard holds no post."""
    out = ""
    for _ in range(width):
        number, digit = divmod(number, 26)
        out = string.ascii_lowercase[digit] + out
    return out


def part_board(servers: Servers, phones_wanted: int, rng: random.Random) -> bool:
    from django.db.models import F

    from programmes import services as programme_services
    from programmes.models import Workspace
    from seminars.models import Board, Post, PostGroup, Vote, Wall

    workspace = Workspace.objects.create(name=f"Benchmark two servers {uuid.uuid4().hex[:8]}")
    programme = programme_services.create_programme(
        workspace=workspace, organisation="Benchmark kommune", title="Two servers", language="da"
    )
    fixture = benchlib.Fixture(workspace, programme, [], [], [], [])
    try:
        seminar = programme.seminars.get(number=1)
        board = Board.objects.get(activity__seminar=seminar, kind=Board.Kind.GOOD_EXAMPLES)
        Board.objects.filter(pk=board.pk).update(
            phase=Board.Phase.COLLECT,
            posts_at_once=True,
            review_first=False,
            version=F("version") + 1,
        )
        seminar.wall, seminar.wall_board = Wall.BOARD, board
        seminar.wall_version += 1
        seminar.save(update_fields=["wall", "wall_board", "wall_version"])
        board_url = f"/b/{board.pk}/"
        print(
            f"(b) board: {phones_wanted} phones join room {seminar.room_code}, {servers.split}, "
            "post (two copies at once, one to each server), then spend their dots"
        )

        def join(i: int) -> benchlib.SplitPhone:
            phone = benchlib.split_phone(servers.ports, first=i)
            benchlib.expect_step(phone.request("GET", "/j/"), 200, "join page")
            reply = phone.request("POST", "/j/", {"code": seminar.room_code})
            benchlib.expect_step(reply, 302, "join", board_url)
            benchlib.expect_step(phone.request("GET", board_url), 200, "board page")
            return phone

        phones, took, failures = prepare(phones_wanted, join)
        print(
            f"  joined            {len(phones)} of {phones_wanted} phones in {took:.1f} s "
            f"(served by {served_line(servers, phones)})"
        )
        print_failures(failures)

        run = "".join(rng.choices(string.ascii_lowercase, k=6))
        keys = [str(uuid.uuid4()) for _ in phones]
        post_path = f"/b/{board.pk}/post/"
        calls, ports = [], []
        for number, (phone, key) in enumerate(zip(phones, keys, strict=True)):
            text = f"Good example {run}-{letters(number)}: we share the rota early"
            for port in servers.twins:
                fields = {"text": text, "key": key}
                calls.append(functools.partial(phone.tab(port).request, "POST", post_path, fields))
                ports.append(port)
        post_shots, post_wall = benchlib.burst(calls) if calls else ([], 1.0)
        accepted = {keys[i // 2] for i, shot in enumerate(post_shots) if shot.status == 302}
        stored_keys = [
            str(k) for k in Post.objects.filter(board=board).values_list("key", flat=True)
        ]
        posts_lost = len(accepted - set(stored_keys))
        posts_duplicated = len(stored_keys) - len(set(stored_keys))
        print(f"  post status       {benchlib.histogram(post_shots)}")
        print(f"  post throughput   {per_server(servers, ports, post_shots, post_wall)}")
        print(f"  post latency      {benchlib.latency_line(post_shots)}")
        print(
            f"  Post rows         {len(stored_keys)}; posts LOST {posts_lost}, "
            f"DUPLICATED {posts_duplicated}"
        )

        Board.objects.filter(pk=board.pk).update(
            phase=Board.Phase.VOTE,
            voting=True,
            dots_per_seat=DOTS_PER_SEAT,
            dots_per_item=DOTS_PER_ITEM,
            version=F("version") + 1,
        )
        seat_of = {
            str(k): s for k, s in Post.objects.filter(board=board).values_list("key", "seat_id")
        }
        items = list(
            PostGroup.objects.filter(board=board, posts__state=Post.State.VISIBLE)
            .order_by("pk")
            .values_list("pk", flat=True)[:VOTE_ITEMS]
        )
        vote_path = f"/b/{board.pk}/vote/"
        plans = [rng.sample(items, 4) if len(items) >= 4 else [] for _ in phones]
        order = [(i, j) for i, plan in enumerate(plans) for j in range(len(plan))]
        rng.shuffle(order)  # many phones' requests interleave on the network
        calls, ports = [], []
        for i, j in order:
            port = servers.turn(i + j)  # each phone: two requests to each server
            fields = {"set": f"{plans[i][j]}:1"}
            calls.append(functools.partial(phones[i].tab(port).request, "POST", vote_path, fields))
            ports.append(port)
        vote_shots, vote_wall = benchlib.burst(calls) if calls else ([], 1.0)
        status_of = {pair: shot.status for pair, shot in zip(order, vote_shots, strict=True)}

        votes: dict[int, dict[int, int]] = {}
        for seat_id, group_id, dots in Vote.objects.filter(board=board).values_list(
            "seat_id", "group_id", "dots"
        ):
            votes.setdefault(seat_id, {})[group_id] = dots
        over_seat = sum(1 for mine in votes.values() if sum(mine.values()) > DOTS_PER_SEAT)
        over_item = Vote.objects.filter(board=board, dots__gt=DOTS_PER_ITEM).count()
        votes_lost = unexplained = spent_all = 0
        for i, plan in enumerate(plans):
            statuses = [status_of[i, j] for j in range(len(plan))]
            accepted_items = {item for item, s in zip(plan, statuses, strict=True) if s == 302}
            unanswered = {item for item, s in zip(plan, statuses, strict=True) if s == 0}
            stored = votes.get(seat_of.get(keys[i]), {})
            votes_lost += any(stored.get(item) != 1 for item in accepted_items)
            unexplained += any(
                item not in accepted_items and item not in unanswered for item in stored
            )
            spent_all += sum(stored.values()) == DOTS_PER_SEAT
        errors = [s for s in post_shots + vote_shots if s.status == 0 or s.status >= 500]
        print(
            f"  votes             {len(phones)} phones x 4 requests of one dot on "
            f"{len(items)} items ({DOTS_PER_SEAT} dots a seat, {DOTS_PER_ITEM} an item), "
            "two to each server, all at once"
        )
        print(f"  vote status       {benchlib.histogram(vote_shots)}")
        print(f"  vote throughput   {per_server(servers, ports, vote_shots, vote_wall)}")
        print(f"  vote latency      {benchlib.latency_line(vote_shots)}")
        print(
            f"  Vote rows         {sum(len(m) for m in votes.values())} on {len(votes)} seats; "
            f"{spent_all} of {len(phones)} phones spent exactly {DOTS_PER_SEAT} dots"
        )
        print(f"  OVER BUDGET       {over_seat + over_item} (seats {over_seat}, items {over_item})")
        print(f"  votes LOST        {votes_lost}; dots no accepted request set: {unexplained}")
        return verdict(
            "board",
            [
                (f"{phones_wanted} phones joined", len(phones) == phones_wanted),
                (f"{phones_wanted} posts", len(stored_keys) == phones_wanted),
                ("0 posts LOST", posts_lost == 0 and len(accepted) == len(phones)),
                ("0 posts DUPLICATED", posts_duplicated == 0),
                ("0 OVER BUDGET", over_seat + over_item == 0),
                ("0 votes LOST", votes_lost == 0 and unexplained == 0),
                ("every phone spent its dots", spent_all == len(phones) > 0),
                ("0 errors", not errors),
            ],
        )
    finally:
        fixture.delete()


# --- Part (c): the rate limits ----------------------------------------------------------------


def fresh_window(window: int = 60) -> None:
    """Wait for the next counting window if this one is nearly over: a sequence that crosses
    a minute boundary would be counted in two windows and hit its limit later."""
    left = window - time.time() % window
    if left < WINDOW_MARGIN:
        time.sleep(left + 0.5)


def first_refusal(phone: benchlib.Phone, paths) -> tuple[int, list[int]]:
    """Send one device's attempts until one is refused and one more after it (bounded);
    the attempt that got the first 429 (0: none) and every status."""
    fresh_window()
    statuses: list[int] = []
    for path in paths:
        statuses.append(phone.request("GET", path).status)
        if statuses.count(429) >= 2 or len(statuses) >= MAX_ATTEMPTS:
            break
    return (statuses.index(429) + 1 if 429 in statuses else 0), statuses


def attempt(number: int) -> str:
    return str(number) if number else "none (never refused)"


def failed_logins(phone: benchlib.Phone, username: str) -> tuple[int, list[int]]:
    """Wrong passwords for one account, LOGIN_ATTEMPTS times; the attempt that got the
    first 429 and every status (200: the form again, with its error)."""
    benchlib.expect_step(phone.request("GET", "/accounts/login/"), 200, "login page")
    statuses = []
    for number in range(LOGIN_ATTEMPTS):
        fields = {"login": username, "password": f"wrong-{number}-{uuid.uuid4().hex[:6]}"}
        statuses.append(phone.request("POST", "/accounts/login/", fields).status)
    return (statuses.index(429) + 1 if 429 in statuses else 0), statuses


def wrong_codes(count: int):
    from surveys.models import ROOM_CODE_ALPHABET

    rng = random.Random()
    return (
        "".join(rng.choices(ROOM_CODE_ALPHABET, k=6)) for _ in range(count)
    )  # 20^6 codes: this run's few are unknown (no room is open in this database now)


def part_limits(servers: Servers, redis_url: str) -> bool:
    import secrets as token_source

    from programmes.models import User

    a_only = servers.ports[:1]
    print(f"(c) limits: one device's failures {servers.split}, and one device's on A alone")
    results: dict[str, tuple[int, int]] = {}
    lines = []
    for label, paths in (
        ("wrong room codes", lambda: (f"/j/{code}/" for code in wrong_codes(MAX_ATTEMPTS))),
        (
            "unknown link tokens",
            lambda: (f"/p/{token_source.token_urlsafe(32)}/" for _ in range(MAX_ATTEMPTS)),
        ),
    ):
        split_at, split_statuses = first_refusal(benchlib.split_phone(servers.ports), paths())
        one_at, one_statuses = first_refusal(benchlib.split_phone(a_only), paths())
        results[label] = (split_at, one_at)
        lines.append(
            f"  {label:<20}refused at attempt {attempt(split_at)} {servers.split} "
            f"({dict(Counter(split_statuses))}), at {attempt(one_at)} on A alone "
            f"({dict(Counter(one_statuses))})"
        )
    password = benchlib.random_secret_key()
    for username in ("two-servers-a", "two-servers-b"):
        User.objects.create_user(
            username=username, email=f"{username}@example.org", password=password
        )
    split_login, split_statuses = failed_logins(
        benchlib.split_phone(servers.ports), "two-servers-a"
    )
    one_login, one_statuses = failed_logins(benchlib.split_phone(a_only), "two-servers-b")
    results["failed logins"] = (split_login, one_login)
    lines.append(
        f"  {'failed logins':<20}locked at attempt {attempt(split_login)} {servers.split} "
        f"{split_statuses}, at {attempt(one_login)} on A alone {one_statuses}"
    )
    for line in lines:
        print(line)
    keys = redis_keys(redis_url)
    counters = [key for key in keys if ":rl:" in key]
    print(
        f"  in Redis          {len(keys)} keys, {len(counters)} of them failed-attempt counters "
        f"(e.g. {counters[0].rsplit(':', 2)[0] + ':…' if counters else 'none'})"
    )
    User.objects.filter(username__startswith="two-servers-").delete()
    expected = {"wrong room codes": 21, "unknown link tokens": 21, "failed logins": 6}
    checks = []
    for label, (split_at, one_at) in results.items():
        checks.append((f"{label} same count", split_at == one_at == expected[label]))
    print(
        "  limit hit         "
        + ", ".join(
            f"{label} at {attempt(results[label][0])} (expected {n})"
            for label, n in expected.items()
        )
    )
    return verdict("limits", checks)


# --- Main -------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="*", help=f"any of {', '.join(PARTS)} (default all)")
    parser.add_argument(
        "--phones", type=int, default=PHONES, help=f"phones in parts burst and board ({PHONES})"
    )
    parser.add_argument(
        "--redis",
        default=DEFAULT_REDIS,
        help=f"REDIS_URL for both servers, a database of this script's own ({DEFAULT_REDIS}); "
        "it is emptied before and after the run",
    )
    parser.add_argument(
        "--control",
        choices=CONTROLS,
        default="none",
        help="server B gets a SECRET_KEY or a Redis database of its own (the checks must fail)",
    )
    parser.add_argument(
        "--servers",
        type=int,
        choices=[1, 2],
        default=2,
        help="2 (default), or 1: the same parts on server A alone, to compare",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    if args.servers == 1 and args.control != "none":
        parser.error("a control needs two servers")
    if not 4 <= args.phones <= 1000:
        parser.error("--phones must be between 4 and 1000")
    if urlsplit(args.redis).hostname not in {"127.0.0.1", "localhost"}:
        parser.error("--redis must be on 127.0.0.1")
    return args


def redis_urls(args: argparse.Namespace) -> list[str]:
    """The Redis databases this run uses (and empties): its own, and the control's."""
    return [args.redis, *([CONTROL_REDIS] if args.control == "separate-redis" else [])]


def main() -> None:
    args = parse_args()
    chosen = args.parts or list(PARTS)
    rng = random.Random(args.seed)
    print(f"machine             {benchlib.machine()}")
    try:
        for redis_url in redis_urls(args):
            flush_redis(redis_url)
    except Exception as error:  # redis raises its own ConnectionError, not OSError
        raise SystemExit(f"Redis at {args.redis} does not answer: {error}") from None
    tmp = Path(tempfile.mkdtemp(prefix="bench-two-servers-"))
    started = time.perf_counter()
    url = throwaway_database(benchlib.database_url())
    servers = None
    try:
        os.environ["DATABASE_URL"] = url
        os.environ["DATABASE_POOL"] = "0"  # this process's own connection: plain
        benchlib.setup_django()
        print(
            f"database            {benchlib.redacted(url)} (throwaway), migrated in "
            f"{time.perf_counter() - started:.1f} s"
        )
        print(f"redis               {args.redis} (REDIS_URL of both servers, emptied)")
        if args.control == "different-secret-keys":
            print("control             server B has a SECRET_KEY of its own")
        if args.control == "separate-redis":
            print(f"control             server B has a Redis database of its own: {CONTROL_REDIS}")
        servers = start_servers(url, args.redis, tmp, args.control, args.servers)
        outcome = {}
        for name in chosen:
            print()
            if name == "burst":
                outcome[name] = part_burst(servers, args.phones)
            elif name == "board":
                outcome[name] = part_board(servers, args.phones, rng)
            else:
                outcome[name] = part_limits(servers, args.redis)
        print()
        for server in servers.running:
            problems = server.log_problems()
            print(f"{server.name} log      {len(problems)} error lines")
            for line in problems[:3]:
                print(f"  {line[:160]}")
        print(
            "summary             "
            + ", ".join(f"{n}: {'PASS' if ok else 'FAIL'}" for n, ok in outcome.items())
        )
        print(f"total time          {time.perf_counter() - started:.0f} s")
        if not all(outcome.values()):
            sys.exit(1)
    finally:
        if servers is not None:
            servers.stop()
        from django.db import connections

        connections.close_all()
        drop_database(url)
        for redis_url in redis_urls(args):
            flush_redis(redis_url)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
