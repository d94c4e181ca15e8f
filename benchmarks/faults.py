"""R-1 to R-8: the app under faults, on a PostgreSQL cluster of its own, and what was lost.

    .venv/bin/python benchmarks/faults.py                  # every scenario, about 6 minutes
    .venv/bin/python benchmarks/faults.py workers health   # some of them

Scenarios (each bounded in count and time, each printing its figures and LOST / DUPLICATED):

burst     R-1/R-2: benchmarks/submit_burst.py against this cluster (200 phones, duplicates).
workers   R-3: phones answer and submit for --seconds while a random gunicorn worker gets
          SIGKILL every 5 s (>= 10 kills); a phone resends once, with the same key, after a
          connection error. Every acknowledged key must be stored, each once.
database  R-4: mid-load the cluster is stopped with `pg_ctl stop -m immediate` (a crash:
          no checkpoint, recovery from the WAL), kept down --down seconds, and started again.
          Phones get the translated 503 and resend after a pause, with the same key; every
          submission acknowledged at any time must be stored, with all its answers.
reload    R-5: two SIGHUPs to gunicorn during load; no resends: 0 failed requests. gunicorn
          stops the old workers at once and the new ones import the app before they serve;
          `--preload` loads it in the master first, so new workers serve at once.
flaky     R-7 at the HTTP level: (a) a phone offline at submit (connection refused), then
          online; (b) the server commits but the phone drops the reply, then resends;
          (c) the body is cut off halfway, then resent. Each: exactly 1 row per key.
health    R-8: /healthz 200; cluster stopped: 503 within 2 s; started again: 200 with the
          same gunicorn master and workers (no app restart).

Set-up: a throwaway cluster from the installed PostgreSQL binaries on a free loopback port
in a temporary folder (run as the postgres user when this runs as root), one database
migrated once; then, per scenario, a throwaway programme (3 departments x 4 teams, an open
round) and `gunicorn -c config/gunicorn.py config.wsgi` with 3 sync workers, DEBUG=0 and
collected static files, as in production (see submit_burst.py). Only 127.0.0.1 is used.
The shared PostgreSQL server is never touched. Not run in CI: it takes minutes.
Phones are threads of benchlib.Phone (http.client), each with a think time between
steps; locust is not installed, and threads let each phone keep its key across a resend.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
import submit_burst

SCENARIOS = ("burst", "workers", "database", "reload", "flaky", "health")
CRASH_AFTER = 20  # acknowledged submissions before the database crashes
GRACE = 60.0  # seconds a phone may take to finish its submission after a run's load ends
CONNECTION_ERRORS = (OSError, http.client.HTTPException)


# --- The app ----------------------------------------------------------------------------------


@dataclass
class App:
    server: benchlib.Server
    tmp: Path

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def master(self) -> int:
        return self.server.process.pid

    def workers(self) -> list[int]:
        """The gunicorn master's children: its workers, as the kernel lists them."""
        children = Path(f"/proc/{self.master}/task/{self.master}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def start_app(url: str, tmp: Path, name: str, *, preload: bool = False) -> App:
    """gunicorn as production runs it (config/gunicorn.py), 3 sync workers, DEBUG=0;
    with preload, the master imports the app once and forks workers ready to serve."""
    env = {
        "DEBUG": "0",
        "SECRET_KEY": benchlib.random_secret_key(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DATABASE_URL": url,
        "DATABASE_POOL": "1",
        "DJANGO_SETTINGS_MODULE": "bench_static_settings",
    }
    if not (tmp / "static").exists():
        submit_burst.collectstatic(tmp, env)
    server = benchlib.start_gunicorn(
        name=name,
        app="config.wsgi",
        env=env,
        log_path=tmp / f"{name}.log",
        extra_args=(
            "-c",
            "config/gunicorn.py",
            "--pythonpath",
            str(tmp),
            *(["--preload"] if preload else []),
        ),
    )
    return App(server, tmp)


# --- Phones -----------------------------------------------------------------------------------


@dataclass
class Tally:
    """What every phone saw, shared by the phone threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    connection_errors: int = 0
    resends: int = 0
    sent: set = field(default_factory=set)  # keys sent at least once
    acknowledged: dict = field(default_factory=dict)  # key -> monotonic time of the 303
    unacknowledged: set = field(default_factory=set)  # keys whose phone gave up
    abandoned: Counter = field(default_factory=Counter)  # phones that gave up, by step
    outage_pages: list = field(default_factory=list)  # bodies of 503 pages
    outages_by_step: Counter = field(default_factory=Counter)  # 503s per survey step
    latencies: list = field(default_factory=list)

    def saw(self, reply: benchlib.Reply) -> None:
        with self.lock:
            self.statuses[reply.status] += 1
            self.latencies.append(reply.seconds)
            if reply.status == 503 and len(self.outage_pages) < 500:
                self.outage_pages.append(reply.text)

    def add(self, name: str, amount: int = 1) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + amount)


@dataclass(frozen=True)
class Policy:
    """When a phone sends a step again: after a connection error (once, R-3) and, while
    the database is down, after a 503 (R-4), with a pause as a person would take."""

    resend_on_error: int = 1
    resend_on_503: int = 0
    pause: float = 1.0


class GaveUp(Exception):
    pass


class Walk:
    """One phone through the survey: join, language, unit, pages, review, submit."""

    def __init__(self, port: int, setup: Setup, tally: Tally, policy: Policy, rng: random.Random):
        self.phone = benchlib.Phone(port, timeout=30.0, accept_language="da-DK,da;q=0.9")
        self.setup, self.tally, self.policy, self.rng = setup, tally, policy, rng

    def step(self, name: str, method: str, path: str, fields=None, ok=(200, 302, 303)):
        errors = outages = 0
        while True:
            try:
                reply = self.phone.request(method, path, fields)
            except CONNECTION_ERRORS:
                self.tally.add("connection_errors")
                errors += 1
                if errors > self.policy.resend_on_error:
                    raise GaveUp(name) from None
                self.tally.add("resends")
                continue
            self.tally.saw(reply)
            if reply.status in ok:
                return reply
            if reply.status == 503:
                with self.tally.lock:
                    self.tally.outages_by_step[name.split(" ")[0]] += 1
            if reply.status == 503 and outages < self.policy.resend_on_503:
                outages += 1
                self.tally.add("resends")
                time.sleep(self.policy.pause)
                continue
            raise GaveUp(f"{name} {reply.status}")

    def think(self, think: tuple[float, float]) -> None:
        time.sleep(self.rng.uniform(*think))

    def run(self, think: tuple[float, float]) -> None:
        """Answer every page and submit; the key counts as sent from its first POST."""
        setup, base = self.setup, f"/s/{self.setup.round_id}/"
        self.step("join", "GET", f"/j/{setup.code}/")
        self.step("start", "GET", base)
        self.step("language", "POST", base, {"language": "da"})
        self.think(think)
        self.step("unit", "POST", base, {"unit": str(self.rng.choice(setup.units))})
        for number, item_ids in enumerate(setup.pages, start=1):
            self.think(think)
            fields = {f"item-{pk}": str(self.rng.randint(1, 5)) for pk in item_ids}
            self.step(f"page {number}", "POST", f"{base}q/{number}/", {**fields, "nav": "next"})
        review = self.step("review", "GET", base + "review/", ok=(200,))
        form = {
            "draft": benchlib.hidden_input(review.text, "draft"),
            "key": benchlib.hidden_input(review.text, "key"),
        }
        self.think(think)
        with self.tally.lock:
            self.tally.sent.add(form["key"])
        try:
            self.step("submit", "POST", base + "review/", form, ok=(303,))
        except GaveUp:
            with self.tally.lock:
                self.tally.unacknowledged.add(form["key"])
            raise
        with self.tally.lock:
            self.tally.acknowledged[form["key"]] = time.monotonic()


@dataclass(frozen=True)
class Setup:
    round_id: int
    code: str
    units: list[int]
    pages: list[list[int]]
    items: int


def make_setup(fixture: benchlib.Fixture) -> Setup:
    from surveys.views import pages

    survey_round = fixture.rounds[0]
    return Setup(
        round_id=survey_round.pk,
        code=survey_round.room_code,
        units=[leaf.pk for leaf in fixture.leaves],
        pages=[[item.pk for item in page] for page in pages(fixture.items)],
        items=len(fixture.items),
    )


def load(
    port: int,
    setup: Setup,
    *,
    users: int,
    seconds: float,
    policy: Policy,
    think: tuple[float, float] = (0.5, 2.0),
    during=None,
) -> tuple[Tally, float]:
    """`users` phones start survey after survey until `seconds` have passed; `during` runs
    beside them (the fault). Every thread is joined within seconds + GRACE."""
    tally = Tally()
    stop_at = time.monotonic() + seconds

    def user(index: int) -> None:
        rng = random.Random(index)
        time.sleep(rng.uniform(0, min(5.0, seconds / 4)))  # phones arrive over a few seconds
        while time.monotonic() < stop_at:
            try:
                Walk(port, setup, tally, policy, rng).run(think)
            except GaveUp as gave_up:
                with tally.lock:
                    tally.abandoned[str(gave_up).split(" ")[0]] += 1

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    if during is not None:
        during(tally)
    deadline = stop_at + GRACE
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("some phones did not finish within the grace period")
    return tally, time.monotonic() - started


# --- Counting ---------------------------------------------------------------------------------


@dataclass
class Stored:
    rows: int
    keys: set
    short: int  # responses with fewer answers than the round asks


def stored(round_id: int, items: int) -> Stored:
    from django.db import connections
    from django.db.models import Count

    from surveys.models import Response

    connections.close_all()  # after a crash the old connection is gone
    responses = Response.objects.filter(round_id=round_id).annotate(n=Count("answers"))
    rows = list(responses.values_list("idempotency_key", "n"))
    return Stored(
        rows=len(rows),
        keys={str(key) for key, _n in rows},
        short=sum(1 for _key, n in rows if n < items),
    )


def reconcile(tally: Tally, found: Stored) -> dict[str, int]:
    """LOST: acknowledged but not stored. DUPLICATED: rows beyond one per key."""
    acknowledged = set(tally.acknowledged)
    return {
        "acknowledged": len(acknowledged),
        "stored": found.rows,
        "LOST": len(acknowledged - found.keys),
        "DUPLICATED": found.rows - len(found.keys),
        "stored, never acknowledged": len(found.keys - acknowledged),
        "sent, neither": len(tally.sent - acknowledged - found.keys),
        "stored with missing answers": found.short,
    }


def print_tally(tally: Tally, wall: float) -> None:
    requests = sum(tally.statuses.values())
    print(
        f"  wall time         {wall:.1f} s, {requests} answered requests ({requests / wall:.0f}/s)"
    )
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(tally.statuses.items()))
    print(f"  status            {statuses}")
    print(f"  latency           {latency(tally.latencies)}")
    print(
        f"  connection errors {tally.connection_errors}, resends {tally.resends}, "
        f"phones that gave up {sum(tally.abandoned.values())} {dict(tally.abandoned) or ''}"
    )


def latency(values: list[float]) -> str:
    if not values:
        return "no answers"
    p50, p95 = benchlib.percentile(values, 0.5), benchlib.percentile(values, 0.95)
    return f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"


def print_counts(counts: dict[str, int]) -> None:
    for name, value in counts.items():
        print(f"  {name:<17} {value}")


def verdict(name: str, checks: list[tuple[str, bool]]) -> bool:
    ok = all(passed for _label, passed in checks)
    shown = ", ".join(f"{label}: {'yes' if passed else 'NO'}" for label, passed in checks)
    print(f"  {'PASS' if ok else 'FAIL'}              {name}: {shown}")
    return ok


# --- Scenarios --------------------------------------------------------------------------------


@dataclass
class Context:
    cluster: benchlib.Cluster
    url: str
    tmp: Path
    args: argparse.Namespace
    results: dict = field(default_factory=dict)


def with_programme(label: str):
    """Run the scenario with a fresh programme and app; stop and delete both afterwards."""

    def wrap(scenario):
        @functools.wraps(scenario)
        def run(ctx: Context) -> bool:
            fixture = benchlib.build_programme(label=label, departments=3, teams=4)
            app = start_app(ctx.url, ctx.tmp, label, preload=ctx.args.preload)
            try:
                return scenario(ctx, app, make_setup(fixture))
            finally:
                app.server.stop()
                if ctx.args.logs:
                    ctx.args.logs.mkdir(parents=True, exist_ok=True)
                    shutil.copy(app.server.log_path, ctx.args.logs / app.server.log_path.name)
                problems = app.server.log_problems()
                print(f"  app log           {len(problems)} error lines ({app.server.log_path})")
                for line in problems[:3]:
                    print(f"    {line[:150]}")
                from django.db import connections

                connections.close_all()
                fixture.delete()

        return run

    return wrap


def burst(ctx: Context) -> bool:
    """R-1/R-2: the existing burst script, against this cluster's database."""
    command = [sys.executable, str(Path(__file__).with_name("submit_burst.py"))]
    env = {**os.environ, "DATABASE_URL": ctx.url}
    done = subprocess.run(command, env=env, timeout=900, check=False)
    print(
        f"  PASS              burst: exit status {done.returncode}"
        if not done.returncode
        else f"  FAIL              burst: exit status {done.returncode}"
    )
    return done.returncode == 0


@with_programme("workers")
def workers(ctx: Context, app: App, setup: Setup) -> bool:
    """R-3: SIGKILL a random worker every 5 s during load; phones resend once."""
    seconds, every = ctx.args.seconds, 5.0
    kills: list[int] = []
    rng = random.Random(3)

    def kill_workers(_tally: Tally) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() + every <= deadline:
            time.sleep(every)
            alive = app.workers()
            if alive:
                victim = rng.choice(alive)
                os.kill(victim, signal.SIGKILL)
                kills.append(victim)

    print(
        f"R-3 worker kills: {ctx.args.users} phones for {seconds:.0f} s, "
        f"SIGKILL every {every:.0f} s"
    )
    tally, wall = load(
        app.port, setup, users=ctx.args.users, seconds=seconds, policy=Policy(), during=kill_workers
    )
    counts = reconcile(tally, stored(setup.round_id, setup.items))
    print(
        f"  kills             {len(kills)} workers killed, "
        f"{len(app.workers())} alive after (the master starts new ones)"
    )
    print_tally(tally, wall)
    print_counts(counts)
    return verdict(
        "R-3",
        [
            (">= 10 kills", len(kills) >= 10),
            ("0 LOST", counts["LOST"] == 0),
            ("0 DUPLICATED", counts["DUPLICATED"] == 0),
            ("0 5xx", not any(s >= 500 for s in tally.statuses)),
            ("submissions acknowledged", counts["acknowledged"] > 0),
        ],
    )


@with_programme("database")
def database(ctx: Context, app: App, setup: Setup) -> bool:
    """R-4: crash the cluster mid-run; acknowledged answers survive, phones resend after 503."""
    seconds, down = ctx.args.seconds, ctx.args.down
    crash: dict[str, float] = {}

    def crash_database(tally: Tally) -> None:
        """Once CRASH_AFTER submissions are acknowledged (or at 2/3 of the run at the latest)."""
        latest = time.monotonic() + seconds * 2 / 3
        while len(tally.acknowledged) < CRASH_AFTER and time.monotonic() < latest:
            time.sleep(0.2)
        crash["at"] = time.monotonic()
        crash["stop"] = ctx.cluster.stop("immediate")
        try:
            time.sleep(down)
        finally:
            crash["start"] = ctx.cluster.start()

    print(
        f"R-4 database crash: {ctx.args.users} phones for {seconds:.0f} s; once {CRASH_AFTER} "
        f"submissions are acknowledged, pg_ctl stop -m immediate, {down:.0f} s down, start "
        "(crash recovery)"
    )
    policy = Policy(resend_on_503=int((down + 30) / 1.0), pause=1.0)
    tally, wall = load(
        app.port, setup, users=ctx.args.users, seconds=seconds, policy=policy, during=crash_database
    )
    found = stored(setup.round_id, setup.items)
    counts = reconcile(tally, found)
    before_crash = {k for k, at in tally.acknowledged.items() if at < crash["at"]}
    lost_before = len(before_crash - found.keys)
    pages = tally.outage_pages
    friendly = [p for p in pages if is_friendly_503(p)]
    print(
        f"  crash             stop {crash['stop']:.1f} s, down {down:.0f} s, start with recovery "
        f"{crash['start']:.1f} s"
    )
    print_tally(tally, wall)
    print(f"  acked pre-crash   {len(before_crash)}, LOST of them {lost_before}")
    print_counts(counts)
    print(
        f"  503 pages         {len(pages)}, translated and friendly {len(friendly)}; "
        f"by step {dict(tally.outages_by_step)}"
    )
    return verdict(
        "R-4",
        [
            ("acknowledged before the crash", len(before_crash) > 0),
            ("0 LOST", counts["LOST"] == 0 and lost_before == 0),
            ("0 DUPLICATED", counts["DUPLICATED"] == 0),
            ("outage seen (503s)", len(pages) > 0),
            ("every 503 translated", len(friendly) == len(pages)),
            ("no 500", not any(s >= 500 and s != 503 for s in tally.statuses)),
            ("every answer kept", counts["stored with missing answers"] == 0),
            ("phones gave up", sum(tally.abandoned.values()) == 0),
        ],
    )


def is_friendly_503(page: str) -> bool:
    """The participant's 503 in Danish, with no trace of the error behind it."""
    import html

    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("da"):
        title = gettext("Not available just now")
        kept = gettext(
            "What you have answered so far is kept. Go back and send it again in a moment."
        )
    text = html.unescape(page)
    return (
        '<html lang="da">' in text
        and title in text
        and kept in text
        and "Traceback" not in text
        and "OperationalError" not in text
    )


@with_programme("reload")
def reload(ctx: Context, app: App, setup: Setup) -> bool:
    """R-5: SIGHUP (graceful reload) twice during load; phones never resend."""
    seconds = min(ctx.args.seconds, 30.0)
    hups: list[float] = []
    before = set(app.workers())

    def hang_up(_tally: Tally) -> None:
        for at in (seconds / 4, seconds / 2):
            time.sleep(max(0.0, at - (hups[-1] if hups else 0.0)))
            os.kill(app.master, signal.SIGHUP)
            hups.append(at)

    print(
        f"R-5 graceful reload: {ctx.args.users} phones for {seconds:.0f} s, "
        f"SIGHUP at {seconds / 4:.0f} s and {seconds / 2:.0f} s"
    )
    tally, wall = load(
        app.port,
        setup,
        users=ctx.args.users,
        seconds=seconds,
        policy=Policy(resend_on_error=0),
        during=hang_up,
    )
    after = set(app.workers())
    counts = reconcile(tally, stored(setup.round_id, setup.items))
    failed = tally.connection_errors + sum(n for s, n in tally.statuses.items() if s >= 500)
    print(f"  reloads           {len(hups)}; workers replaced: {not (before & after)}")
    print_tally(tally, wall)
    print_counts(counts)
    print(f"  failed requests   {failed}")
    return verdict(
        "R-5",
        [
            ("0 failed requests", failed == 0),
            ("0 LOST", counts["LOST"] == 0),
            ("workers replaced", not (before & after)),
        ],
    )


@with_programme("flaky")
def flaky(ctx: Context, app: App, setup: Setup) -> bool:
    """R-7 at the HTTP level: offline at submit, reply lost after the commit, body cut off."""
    phones = ctx.args.flaky_phones
    results: dict[str, list[tuple[int, int]]] = {"offline": [], "reply lost": [], "body cut": []}
    tally = Tally()
    print(f"R-7 flaky phones: {phones} phones for each of {', '.join(results)}")
    for index in range(phones):
        for kind in results:
            rng = random.Random(f"{kind}{index}")
            walk = Walk(app.port, setup, tally, Policy(resend_on_error=0), rng)
            form = walk_to_review(walk)
            review = f"/s/{setup.round_id}/review/"
            if kind == "offline":
                offline_submit(walk.phone, review, form)
            elif kind == "reply lost":
                drop_reply_after_commit(walk.phone, review, form)
            else:
                cut_body(walk.phone, review, form)
            between = rows_for(form["key"])
            again = walk.phone.request("POST", review, form)
            thanks = walk.phone.request("GET", again.location) if again.status == 303 else None
            ok = again.status == 303 and thanks is not None and thanks.status == 200
            results[kind].append((between, rows_for(form["key"]) if ok else -1))
    checks = []
    for kind, rows in results.items():
        between = Counter(b for b, _a in rows)
        after = Counter(a for _b, a in rows)
        print(f"  {kind:<17} rows per key before the resend {dict(between)}, after {dict(after)}")
        checks.append((f"{kind}: 1 row each", after == Counter({1: phones})))
    lost = results["reply lost"]
    checks.append(("reply lost: committed first", all(b == 1 for b, _a in lost)))
    return verdict("R-7", checks)


def walk_to_review(walk: Walk) -> dict[str, str]:
    setup, base = walk.setup, f"/s/{walk.setup.round_id}/"
    walk.step("join", "GET", f"/j/{setup.code}/")
    walk.step("start", "GET", base)
    walk.step("language", "POST", base, {"language": "da"})
    walk.step("unit", "POST", base, {"unit": str(setup.units[0])})
    for number, item_ids in enumerate(setup.pages, start=1):
        fields = {f"item-{pk}": "4" for pk in item_ids}
        walk.step(f"page {number}", "POST", f"{base}q/{number}/", {**fields, "nav": "next"})
    review = walk.step("review", "GET", base + "review/", ok=(200,))
    return {
        "draft": benchlib.hidden_input(review.text, "draft"),
        "key": benchlib.hidden_input(review.text, "key"),
    }


def rows_for(key: str) -> int:
    from django.db import connections

    from surveys.models import Response

    connections.close_all()
    return Response.objects.filter(idempotency_key=key).count()


def raw_post(phone: benchlib.Phone, path: str, form: dict[str, str]) -> tuple[bytes, bytes]:
    """The request a browser would send, as bytes: the head and the body."""
    body = urlencode({"csrfmiddlewaretoken": phone.csrf_token, **form}).encode()
    cookies = "; ".join(f"{k}={v}" for k, v in phone.cookies.items())
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookies}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    return head, body


def offline_submit(phone: benchlib.Phone, path: str, form: dict[str, str]) -> None:
    """(a) No network: the submit never leaves the phone (a refused connection)."""
    offline = benchlib.Phone(
        benchlib.free_port(), cookies=phone.cookies, csrf_token=phone.csrf_token
    )
    try:
        offline.request("POST", path, form)
    except CONNECTION_ERRORS:
        return
    raise RuntimeError("the offline phone reached a server")


def drop_reply_after_commit(phone: benchlib.Phone, path: str, form: dict[str, str]) -> None:
    """(b) The whole request is sent; once the row is stored the phone resets the
    connection without reading the reply (as a train entering a tunnel does)."""
    head, body = raw_post(phone, path, form)
    with socket.create_connection(("127.0.0.1", phone.port), timeout=10) as sock:
        sock.sendall(head + body)
        deadline = time.monotonic() + 20
        while rows_for(form["key"]) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def cut_body(phone: benchlib.Phone, path: str, form: dict[str, str]) -> None:
    """(c) The connection breaks halfway through the body: the server never has the form."""
    head, body = raw_post(phone, path, form)
    with socket.create_connection(("127.0.0.1", phone.port), timeout=10) as sock:
        sock.sendall(head + body[: len(body) // 2])
        time.sleep(0.2)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    time.sleep(0.3)  # the worker notices the reset before the resend is counted


@with_programme("health")
def health(ctx: Context, app: App, setup: Setup) -> bool:
    """R-8: 200, then 503 within 2 s of the database stopping, then 200 again, same processes."""
    processes = (app.master, sorted(app.workers()))
    first = probe(app.port)
    stopped_at = time.monotonic()
    ctx.cluster.stop("immediate")
    try:
        down = poll_until(app.port, 503, seconds=30)
        time.sleep(3)  # a while down: every worker's pool finds out
        during = [probe(app.port) for _ in range(6)]
    finally:
        started_at = time.monotonic()
        start_took = ctx.cluster.start()
    up = poll_until(app.port, 200, seconds=60)
    steady = poll_until(app.port, 200, seconds=120, in_a_row=STEADY)
    survey = benchlib.Phone(app.port).request("GET", f"/j/{setup.code}/")
    same = processes == (app.master, sorted(app.workers()))
    print("R-8 health")
    print(f"  before            {first[0]} in {first[1] * 1000:.0f} ms")
    print(
        f"  database stopped  first 503 {down[0] - stopped_at:.2f} s after the stop, "
        f"answered in {down[1] * 1000:.0f} ms; while down: "
        f"{', '.join(f'{s} in {t * 1000:.0f} ms' for s, t in during)}"
    )
    print(
        f"  database started  ready in {start_took:.2f} s (pg_ctl start -w); "
        f"first 200 {up[0] - started_at:.2f} s after the start, "
        f"{STEADY} in a row {steady[0] - started_at:.2f} s after it (every worker's pool "
        f"back); a survey page then: {survey.status}; same master and workers: {same}"
    )
    return verdict(
        "R-8",
        [
            ("200 first", first[0] == 200),
            ("503 within 2 s", down[0] - stopped_at <= 2.0 and down[1] <= 2.0),
            ("every 503 within 2 s", all(s == 503 and t <= 2.0 for s, t in during)),
            ("200 again", up[2] == 200 and steady[2] == 200 and survey.status == 302),
            ("no app restart", same),
        ],
    )


def probe(port: int) -> tuple[int, float]:
    """GET /healthz: its status (0 for no answer) and how long it took."""
    started = time.monotonic()
    try:
        status = benchlib.Phone(port, timeout=10).request("GET", "/healthz").status
    except CONNECTION_ERRORS:
        status = 0
    return status, time.monotonic() - started


STEADY = 12  # answers in a row that count as every worker being back


def poll_until(
    port: int, wanted: int, *, seconds: float, in_a_row: int = 1
) -> tuple[float, float, int]:
    """Probe until `wanted` answers `in_a_row` times (or time is up): when the first answer
    of that row arrived, how long the last probe took, its status."""
    deadline = time.monotonic() + seconds
    row_started, row = 0.0, 0
    while True:
        status, took = probe(port)
        row = row + 1 if status == wanted else 0
        if row == 1:
            row_started = time.monotonic()
        if row >= in_a_row or time.monotonic() > deadline:
            return (row_started if row else time.monotonic()), took, status
        time.sleep(0.1)


# --- Main -------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", help=f"any of {', '.join(SCENARIOS)} (default all)")
    parser.add_argument("--users", type=int, default=100, help="phones under load (default 100)")
    parser.add_argument(
        "--seconds",
        type=float,
        default=60.0,
        help="load per scenario (default 60; >= 55 for 10 kills)",
    )
    parser.add_argument(
        "--down", type=float, default=5.0, help="seconds the database stays down (R-4)"
    )
    parser.add_argument(
        "--preload", action="store_true", help="gunicorn --preload (the app loaded before fork)"
    )
    parser.add_argument("--logs", type=Path, help="copy each scenario's gunicorn log here")
    parser.add_argument("--flaky-phones", type=int, default=20, help="phones per flaky case (R-7)")
    args = parser.parse_args()
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    return args


SCENARIO_FUNCTIONS = {
    "burst": burst,
    "workers": workers,
    "database": database,
    "reload": reload,
    "flaky": flaky,
    "health": health,
}


def main() -> None:
    args = parse_args()
    chosen = args.scenarios or list(SCENARIOS)
    tmp = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    print(f"machine             {benchlib.machine()}")
    started = time.perf_counter()
    cluster = benchlib.Cluster.create()
    try:
        url = cluster.url("faults")
        os.environ["DATABASE_URL"] = url
        os.environ["DATABASE_POOL"] = "0"  # this process's own connection: plain, reopened
        benchlib.setup_django()
        print(
            f"database            throwaway cluster {cluster.folder} on 127.0.0.1:{cluster.port}, "
            f"migrated in {time.perf_counter() - started:.1f} s"
        )
        ctx = Context(cluster, url, tmp, args)
        outcome = {}
        for name in chosen:
            print()
            outcome[name] = SCENARIO_FUNCTIONS[name](ctx)
        print()
        print(
            "summary             "
            + ", ".join(f"{n}: {'PASS' if ok else 'FAIL'}" for n, ok in outcome.items())
        )
        print(f"total time          {time.perf_counter() - started:.0f} s")
        if not all(outcome.values()):
            sys.exit(1)
    finally:
        from django.db import connections

        connections.close_all()
        cluster.remove()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
