"""The phone's whole survey under gunicorn: statements, app CPU, the final burst, page weight.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/survey_flow.py [--redis redis://127.0.0.1:6379/5]

DATABASE_URL defaults to the benchmarks' own database (created and migrated if missing).
With `--redis` the app runs as production does with REDIS_URL (sessions read from Redis,
rate limits counted there); without it, sessions and counters live in PostgreSQL.
`--flows N` (default 40) and `--gets N` (default 60) size the sequential phases, `--phones`
(default 200) the burst. Takes 2-4 minutes on 2 cores. What it does:

1. Builds the demo programme (`manage.py demo`: its seminar room with the open round, 10
   units, 10 questions) and uses the open round's room code.
2. Starts the app as in production, `gunicorn config.wsgi`, 3 sync workers, DEBUG=0, a random
   SECRET_KEY, static files collected into a temporary STATIC_ROOT and served by WhiteNoise.
   The only other difference from config.settings, in a settings module written to the
   temporary folder: each worker counts the SQL statements it sends, BEGIN and COMMIT
   included (as Django's CaptureQueriesContext and the tests count them), one byte per
   statement appended to a file of its own. The bare baseline (benchlib.bare_insert_app:
   a Django view rendering a five-question form page, and one inserting a row; no
   middleware) runs beside it, 3 workers too.
3. Walks whole flows one at a time, as a phone without JavaScript does: room code, the first
   page (language, promise, unit), Start, each question page and its POST, review, submit,
   thanks. Prints requests, page views, statements and app CPU per flow (the CPU time the
   kernel's scheduler counted for the gunicorn workers' threads, in nanoseconds, from
   /proc/PID/task/*/schedstat, before and after, divided by the flows), and the
   same per question-page GET, per autosave tap and per submit, each beside the bare view's
   GET and POST measured the same way in the same run. Each of these phases runs in four
   turns, alternating with its baseline (the bare view's, the peer's flow), so that the
   machine's drift falls on both sides of a ratio alike.
4. The burst (R-1/R-2): `--phones` phones get ready (8 at a time), then every final submit is
   sent twice at once (all behind one barrier) and once more 5 s later. Exactly one row per
   phone must be stored. Prints submits/s against the bare insert view hit with the same
   number of requests just before and just after (the mean of the two).
5. Page weight: every page of the flow with the stylesheets and scripts it references,
   gzip -6, against the goal of 20 KB each (30 KB is the hard limit).

With `--peer`, the peer package (django-survey-and-report 1.5.0, as `../shared/bench/`
serves it: benchmarks/peer.py) runs beside them in the same run, 3 sync workers too: its
whole flow (GET the page, POST it) one phone at a time for the CPU per flow against ours
(goal: ours <= 0.5 x the peer's), and the same 200-phone burst, each submit twice at once
(the peer stores both).

The machine is shared: run it a few times and read the ratios within one run.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
import peer

GOAL_STATEMENTS = 30
GOAL_PAGE_VIEWS = 7
GOAL_AUTOSAVE = 2
GOAL_GET_RATIO = 3.0
GOAL_SUBMIT_RATIO = 2.0
GOAL_BURST_RATIO = 0.5
GOAL_PEER_CPU_RATIO = 0.5  # the app's whole flow against the peer's, app CPU
GOAL_WEIGHT = 20_000
HARD_WEIGHT = 30_000
LATER_DELAY = 5.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

COUNTING_SETTINGS = '''
"""Benchmark only: config.settings, STATIC_ROOT in the scratch folder, and each worker
counting its SQL statements (BEGIN/COMMIT included) into a file of its own."""
import os

from config.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]


def _count_statements():
    from django.db.backends import utils
    from django.db.backends.base import base
    from django.db.backends.signals import connection_created

    folder = os.environ["BENCH_COUNT_DIR"]
    files = {}

    def tick():
        pid = os.getpid()
        if pid not in files:
            files[pid] = os.open(f"{folder}/{pid}", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.write(files[pid], b"x")

    def counted(execute, sql, params, many, context):
        tick()
        return execute(sql, params, many, context)

    def install(sender, connection, **kwargs):
        if counted not in connection.execute_wrappers:
            connection.execute_wrappers.append(counted)

    real = utils.debug_transaction

    def transaction_statement(connection, sql):
        tick()
        return real(connection, sql)

    base.debug_transaction = transaction_statement  # BEGIN, COMMIT, ROLLBACK
    connection_created.connect(install, weak=False)


_count_statements()
'''


# --- Reading pages --------------------------------------------------------------------------


class Form(HTMLParser):
    """The page's forms (action, hidden fields, radio groups, submit buttons) and assets."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.assets: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.forms.append(
                {
                    "class": a.get("class", ""),
                    "action": a.get("action", ""),
                    "hidden": {},
                    "radios": {},
                }
            )
        elif tag == "input" and self.forms:
            form = self.forms[-1]
            if a.get("type") == "hidden":
                form["hidden"][a["name"]] = a.get("value", "")
            elif a.get("type") == "radio":
                form["radios"].setdefault(a["name"], []).append(a["value"])
        elif tag == "link" and "stylesheet" in a.get("rel", "").split():
            self.assets.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.assets.append(a["src"])

    def answer_form(self) -> dict:
        """The form that is not a language switcher (the survey's own)."""
        return next(
            f
            for f in self.forms
            if "language" not in f["class"] and "csrfmiddlewaretoken" in f["hidden"]
        )


# --- Workers' CPU and statements ----------------------------------------------------------


def workers(server: benchlib.Server) -> list[int]:
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def cpu_seconds(server: benchlib.Server) -> float:
    """The workers' CPU time so far: the scheduler's count in nanoseconds for each of their
    threads where the kernel keeps one (schedstat), else user + system time in 10 ms ticks."""
    return sum(_cpu_seconds(pid) for pid in workers(server))


def _cpu_seconds(pid: int) -> float:
    try:
        counts = [path.read_text() for path in Path(f"/proc/{pid}/task").glob("*/schedstat")]
    except OSError:
        counts = []
    if counts:
        return sum(int(count.split()[0]) for count in counts) / 1e9
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def statements(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.iterdir())


@dataclass
class Meter:
    """CPU seconds of a server's workers and (for the app) statements, added up over every
    turn of a phase it measures."""

    server: benchlib.Server
    count_dir: Path | None = None
    cpu: float = 0.0
    sql: int = 0

    def __enter__(self) -> Meter:
        time.sleep(0.3)  # let the last request's worker finish its bookkeeping
        self._cpu, self._sql = cpu_seconds(self.server), self._statements()
        return self

    def __exit__(self, *exc) -> None:
        time.sleep(0.3)
        self.cpu += cpu_seconds(self.server) - self._cpu
        self.sql += self._statements() - self._sql

    def _statements(self) -> int:
        return statements(self.count_dir) if self.count_dir else 0


# --- The phone's walk ---------------------------------------------------------------------


@dataclass
class Flow:
    phone: benchlib.Phone
    requests: int = 0
    page_views: int = 0
    pages: dict[str, bytes] = field(default_factory=dict)  # name -> html
    review: dict[str, str] = field(default_factory=dict)
    review_path: str = ""


def expect(reply: benchlib.Reply, status: int, step: str) -> benchlib.Reply:
    if reply.status != status:
        raise RuntimeError(f"{step}: expected {status}, got {reply.status} {reply.location}")
    return reply


def walk_to_review(port: int, join: str, seed: int, *, keep_pages: bool = False) -> Flow:
    """Room code, first page, Start, every question page: the phone on its review page."""
    rng = random.Random(seed)
    flow = Flow(benchlib.Phone(port))

    def step(name: str, method: str, path: str, data=None, status=200) -> benchlib.Reply:
        reply = expect(flow.phone.request(method, path, data), status, name)
        flow.requests += 1
        if status == 200:
            flow.page_views += 1
            if keep_pages:
                flow.pages[name] = reply.body
        return reply

    start = step("join", "GET", join, status=302).location
    first = Form(step("first page", "GET", start).text).answer_form()
    unit = rng.choice(first["radios"]["unit"])
    path = step("start", "POST", start, {**first["hidden"], "unit": unit}, 302).location
    number = 1
    while "/q/" in path:
        form = Form(step(f"question page {number}", "GET", path).text).answer_form()
        data = {**form["hidden"], "nav": "next"}
        data |= {name: rng.choice(values) for name, values in form["radios"].items()}
        path = step(f"page {number} POST", "POST", path, data, 302).location
        number += 1
    review = Form(step("review", "GET", path).text).answer_form()
    flow.review, flow.review_path = review["hidden"], path
    return flow


def submit(flow: Flow, *, keep_pages: bool = False) -> None:
    reply = expect(flow.phone.request("POST", flow.review_path, flow.review), 303, "submit")
    thanks = expect(flow.phone.request("GET", reply.location), 200, "thanks")
    flow.requests += 2
    flow.page_views += 1
    if keep_pages:
        flow.pages["thanks"] = thanks.body


def twin(phone: benchlib.Phone) -> benchlib.Phone:
    return benchlib.Phone(phone.port, cookies=dict(phone.cookies), csrf_token=phone.csrf_token)


# --- Set-up -------------------------------------------------------------------------------


def demo_round() -> tuple[object, str]:
    from django.core.management import call_command

    from surveys import services
    from surveys.models import Round

    call_command("demo", "--json", stdout=io.StringIO())
    survey_round = Round.objects.open().select_related("seminar", "programme").get()
    return survey_round, f"/j/{services.room_code(survey_round)}/"


def print_setup(url: str, redis: str) -> None:
    print(f"machine             {benchlib.machine()}")
    print(f"database            {benchlib.redacted(url)}")
    sessions = f"Redis {redis} (cached_db)" if redis else "PostgreSQL (db)"
    print(f"sessions            {sessions}")


def start_app_and_bare(
    url: str, tmp: Path, redis: str, servers: list[benchlib.Server]
) -> tuple[benchlib.Server, Path, benchlib.Server]:
    """The app and the bare view, each added to `servers` (for the caller to stop) as it starts."""
    app, count_dir = start_app(url, tmp, redis)
    servers.append(app)
    bare = start_bare(url, tmp)
    servers.append(bare)
    print(f"app / bare          gunicorn, 3 sync workers each, ports {app.port} / {bare.port}")
    return app, count_dir, bare


def start_app(url: str, tmp: Path, redis: str) -> tuple[benchlib.Server, Path]:
    count_dir = tmp / "statements"
    count_dir.mkdir()
    (tmp / "bench_flow_settings.py").write_text(COUNTING_SETTINGS)
    env = {
        "DEBUG": "0",
        "SECRET_KEY": benchlib.random_secret_key(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench_flow_settings",
        "BENCH_STATIC_ROOT": str(tmp / "static"),
        "BENCH_COUNT_DIR": str(count_dir),
        "PYTHONPATH": str(tmp),
    }
    if redis:
        env["REDIS_URL"] = redis
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=benchlib.ROOT,
        env={**os.environ, **env},
        check=True,
        timeout=180,
    )
    app = benchlib.start_gunicorn(
        name="app",
        app="config.wsgi",
        env=env,
        log_path=tmp / "app.log",
        extra_args=("--pythonpath", str(tmp)),
    )
    return app, count_dir


def start_bare(url: str, tmp: Path) -> benchlib.Server:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {benchlib.BARE_TABLE}")
        cursor.execute(
            f"CREATE TABLE {benchlib.BARE_TABLE} "
            "(id bigserial PRIMARY KEY, key uuid NOT NULL, payload text NOT NULL)"
        )
    return benchlib.start_gunicorn(
        name="bare",
        app="benchlib:bare_insert_app()",
        env={"DATABASE_URL": url, "SECRET_KEY": benchlib.random_secret_key()},
        log_path=tmp / "bare.log",
        extra_args=("--pythonpath", str(Path(__file__).resolve().parent)),
    )


def bare_post(client: benchlib.Phone) -> benchlib.Reply:
    return client.request("POST", "/insert/", {"key": str(uuid.uuid4()), "payload": "x" * 120})


# --- Phases -------------------------------------------------------------------------------


def per(meter: Meter, count: int) -> tuple[float, float]:
    """CPU ms and statements per unit."""
    return 1000 * meter.cpu / count, meter.sql / count


TURNS = 4  # each CPU phase runs in turns with its baseline (see in_turns)


def in_turns(app, count_dir, bare, join: str, flows: int, gets: int, peer_server, peer_page):
    """App CPU per whole flow, page GET, autosave tap and submit, with the bare view's GET and
    insert and the peer's flow, measured in TURNS rounds that alternate each phase with its
    baseline: on a shared machine whose speed drifts by a factor of two within minutes, the
    drift then falls on both sides of each ratio alike."""
    flow_meter = Meter(app, count_dir)
    peer_meter = Meter(peer_server) if peer_server is not None else None
    get_meter, bare_get_meter = Meter(app, count_dir), Meter(bare)
    tap_meter = Meter(app, count_dir)
    post_meter, bare_post_meter = Meter(app, count_dir), Meter(bare)
    walked: list[Flow] = []
    reader = walk_to_review(app.port, join, 7)
    page = reader.review_path.replace("review/", "q/1/")
    tapper = walk_to_review(app.port, join, 8)
    tap_form = Form(tapper.phone.request("GET", page).text).answer_form()
    name, values = next(iter(tap_form["radios"].items()))
    bare_client, peer_rng = benchlib.Phone(bare.port), random.Random(3)
    per_flows, per_gets = flows // TURNS, gets // TURNS
    for turn in range(TURNS):
        with flow_meter:
            for seed in range(turn * per_flows, (turn + 1) * per_flows):
                flow = walk_to_review(app.port, join, 1000 + seed)
                submit(flow)
                walked.append(flow)
        if peer_meter is not None:
            with peer_meter:
                for _ in range(per_flows):
                    peer.send(*peer.ready(peer_server.port, peer_page, peer_rng, Form))
        with get_meter:
            for _ in range(per_gets):
                expect(reader.phone.request("GET", page), 200, "question page")
        with bare_get_meter:
            for _ in range(per_gets):
                expect(bare_client.request("GET", "/page/"), 200, "bare page")
        with tap_meter:
            for tap in range(per_gets):
                data = {**tap_form["hidden"], name: values[tap % len(values)], "nav": "autosave"}
                expect(tapper.phone.request("POST", page, data), 204, "autosave")
        ready = [
            walk_to_review(app.port, join, 2000 + turn * per_gets + i) for i in range(per_gets)
        ]
        with post_meter:
            for flow in ready:
                expect(flow.phone.request("POST", flow.review_path, flow.review), 303, "submit")
        with bare_post_meter:
            for _ in range(per_gets):
                expect(bare_post(bare_client), 303, "bare insert")
    flow_ms, flow_sql = per(flow_meter, len(walked))
    measured = per_gets * TURNS
    return {
        "flow": {
            "requests": walked[0].requests,
            "page_views": walked[0].page_views,
            "statements": flow_sql,
            "cpu_ms": flow_ms,
            "peer_cpu_ms": per(peer_meter, len(walked))[0] if peer_meter else None,
        },
        "page_get": {
            **dict(zip(("cpu_ms", "statements"), per(get_meter, measured), strict=True)),
            "bare_cpu_ms": per(bare_get_meter, measured)[0],
        },
        "autosave": dict(zip(("cpu_ms", "statements"), per(tap_meter, measured), strict=True)),
        "submit": {
            **dict(zip(("cpu_ms", "statements"), per(post_meter, measured), strict=True)),
            "bare_cpu_ms": per(bare_post_meter, measured)[0],
        },
    }


def peer_burst(server: benchlib.Server, page: str, phones: int) -> dict:
    """The peer under the same burst: every submit twice at once (it stores both)."""
    rng = random.Random(4)
    before = peer.rows()
    with ThreadPoolExecutor(8) as pool:
        ready = list(pool.map(lambda _: peer.ready(server.port, page, rng, Form), range(phones)))
    calls = []
    for phone, action, data in ready:
        copy = benchlib.Phone(phone.port, cookies=dict(phone.cookies), csrf_token=phone.csrf_token)
        calls += [
            functools.partial(phone.request, "POST", action, data),
            functools.partial(copy.request, "POST", action, data),
        ]
    shots, wall = benchlib.burst(calls)
    return {
        "status": benchlib.histogram(shots),
        "rows": peer.rows() - before,
        "requests_per_s": len(calls) / wall,
        "submits_per_s": phones / wall,
    }


def burst(app, bare, survey_round, join: str, phones: int) -> dict:
    from surveys.models import Response

    before = Response.objects.filter(round=survey_round).count()
    with ThreadPoolExecutor(8) as pool:
        ready = list(pool.map(lambda i: walk_to_review(app.port, join, 5000 + i), range(phones)))

    def bare_burst() -> tuple[list, float]:
        return benchlib.burst(
            [functools.partial(bare_post, benchlib.Phone(bare.port)) for _ in range(2 * phones)]
        )

    # The bare view's burst runs before the app's and after it: the mean of the two stands
    # for the machine as it was during the app's.
    bare_before = bare_burst()
    calls = []
    for flow in ready:
        send = functools.partial(flow.phone.request, "POST", flow.review_path, flow.review)
        again = functools.partial(twin(flow.phone).request, "POST", flow.review_path, flow.review)
        calls += [send, again]
    shots, wall = benchlib.burst(calls)
    time.sleep(LATER_DELAY)
    later, _later_wall = benchlib.burst(
        [
            functools.partial(flow.phone.request, "POST", flow.review_path, flow.review)
            for flow in ready
        ]
    )
    rows = Response.objects.filter(round=survey_round).count() - before
    bare_after = bare_burst()
    bare_rates = [len(shots) / wall for shots, wall in (bare_before, bare_after)]
    bare_shots = bare_before[0] + bare_after[0]
    return {
        "status": benchlib.histogram(shots + later),
        "rows": rows,
        "wall": wall,
        "submits_per_s": phones / wall,
        "requests_per_s": len(calls) / wall,
        "latency": benchlib.latency_line(shots),
        "bare_requests_per_s": sum(bare_rates) / 2,
        "bare_before_after": bare_rates,
        "bare_status": benchlib.histogram(bare_shots),
        "errors": sum(1 for s in shots + later if s.status != 303),
    }


def weights(app, join: str) -> list[tuple[str, int, int, int]]:
    flow = walk_to_review(app.port, join, 9, keep_pages=True)
    submit(flow, keep_pages=True)
    assets: dict[str, int] = {}
    rows = []
    for name, html in flow.pages.items():
        sizes = []
        for url in Form(html.decode()).assets:
            if url not in assets:
                reply = expect(flow.phone.request("GET", url), 200, url)
                assets[url] = benchlib.gzip_size(reply.body)
            sizes.append(assets[url])
        page = benchlib.gzip_size(html)
        rows.append((name, page, sum(sizes), page + sum(sizes)))
    return rows


# --- Report -------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="", help="REDIS_URL for the app (default: none)")
    parser.add_argument("--flows", type=int, default=40, help="whole flows, one at a time")
    parser.add_argument("--gets", type=int, default=60, help="GETs, taps and submits measured")
    parser.add_argument("--phones", type=int, default=200, help="phones in the burst")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--peer",
        action="store_true",
        help="also serve the peer package from ../shared/bench/peer_site and compare",
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-flow-"))
    url = benchlib.setup_django()
    from django.db import connection

    print_setup(url, args.redis)
    survey_round, join = demo_round()
    servers: list[benchlib.Server] = []
    try:
        app, count_dir, bare = start_app_and_bare(url, tmp, args.redis, servers)
        peer_server, peer_page = None, ""
        if args.peer:
            if why := peer.available():
                raise SystemExit(f"--peer: {why}")
            peer_server, peer_page = peer.start(tmp)
            servers.append(peer_server)
            print(
                f"peer                {peer.PACKAGES[0]}, gunicorn, 3 sync workers, "
                f"port {peer_server.port}"
            )
            for _ in range(12):  # every worker loads its code and opens its pool
                peer.send(*peer.ready(peer_server.port, peer_page, random.Random(0), Form))
        for seed in range(6):  # every worker loads its code, opens its pool, reads the items
            flow = walk_to_review(app.port, join, 900 + seed)
            submit(flow)
        warm = benchlib.Phone(bare.port)
        for _ in range(30):
            warm.request("GET", "/page/")
            bare_post(warm)

        figures = in_turns(
            app, count_dir, bare, join, args.flows, args.gets, peer_server, peer_page
        )
        flows = figures["flow"]
        get_ms, get_sql = figures["page_get"]["cpu_ms"], figures["page_get"]["statements"]
        tap_ms, tap_sql = figures["autosave"]["cpu_ms"], figures["autosave"]["statements"]
        post_ms, post_sql = figures["submit"]["cpu_ms"], figures["submit"]["statements"]
        bare_get_ms = figures["page_get"]["bare_cpu_ms"]
        bare_post_ms = figures["submit"]["bare_cpu_ms"]
        print()
        print(f"whole flow without JavaScript ({args.flows} phones, one at a time)")
        print(f"  requests          {flows['requests']}")
        print(
            f"  page views        {flows['page_views']} (goal <= {GOAL_PAGE_VIEWS}: "
            f"{verdict(flows['page_views'] <= GOAL_PAGE_VIEWS)})"
        )
        print(
            f"  SQL statements    {flows['statements']:.1f} per flow, BEGIN/COMMIT included "
            f"(goal <= {GOAL_STATEMENTS}: {verdict(flows['statements'] <= GOAL_STATEMENTS)})"
        )
        print(f"  app CPU           {flows['cpu_ms']:.1f} ms per flow (3 workers' CPU time)")
        if peer_server is not None:
            peer_ms = flows["peer_cpu_ms"]
            peer_ratio = flows["cpu_ms"] / peer_ms
            print(
                f"  peer's flow       {peer_ms:.1f} ms per flow (2 requests: its page, its "
                f"submit); app / peer {peer_ratio:.2f} (goal <= {GOAL_PEER_CPU_RATIO}: "
                f"{verdict(peer_ratio <= GOAL_PEER_CPU_RATIO)})"
            )
        print("one request at a time (app CPU per request; bare view in the same run)")
        get_ratio, post_ratio = get_ms / bare_get_ms, post_ms / bare_post_ms
        print(
            f"  question page GET {get_ms:.2f} ms, {get_sql:.1f} statements; bare GET "
            f"{bare_get_ms:.2f} ms: {get_ratio:.2f} x (goal <= {GOAL_GET_RATIO}: "
            f"{verdict(get_ratio <= GOAL_GET_RATIO)})"
        )
        print(
            f"  autosave tap      {tap_ms:.2f} ms, {tap_sql:.1f} statements (goal <= "
            f"{GOAL_AUTOSAVE}: {verdict(tap_sql <= GOAL_AUTOSAVE)})"
        )
        print(
            f"  submit            {post_ms:.2f} ms, {post_sql:.1f} statements; bare insert "
            f"{bare_post_ms:.2f} ms: {post_ratio:.2f} x (goal <= {GOAL_SUBMIT_RATIO}: "
            f"{verdict(post_ratio <= GOAL_SUBMIT_RATIO)})"
        )

        shot = burst(app, bare, survey_round, join, args.phones)
        figures["burst"] = shot
        ratio = shot["requests_per_s"] / shot["bare_requests_per_s"]
        print(f"burst: {args.phones} phones, each submit twice at once, once more 5 s later")
        print(f"  status            {shot['status']}")
        print(
            f"  rows stored       {shot['rows']} (must be {args.phones}: "
            f"{verdict(shot['rows'] == args.phones)})"
        )
        print(
            f"  throughput        {shot['submits_per_s']:.1f} submits/s, "
            f"{shot['requests_per_s']:.1f} requests/s; {shot['latency']}"
        )
        print(
            f"  bare insert view  {shot['bare_requests_per_s']:.1f} requests/s, the mean of "
            f"{shot['bare_before_after'][0]:.1f} before and {shot['bare_before_after'][1]:.1f} "
            f"after ({shot['bare_status']})"
        )
        print(
            f"  ratio             {ratio:.2f} = app / bare requests/s, same "
            f"{2 * args.phones}-request burst (goal >= {GOAL_BURST_RATIO}: "
            f"{verdict(ratio >= GOAL_BURST_RATIO)})"
        )
        figures["burst"]["ratio"] = ratio
        if peer_server is not None:
            peer_shot = peer_burst(peer_server, peer_page, args.phones)
            figures["peer_burst"] = peer_shot
            lead = shot["submits_per_s"] / peer_shot["submits_per_s"]
            print(
                f"  peer, same burst  {peer_shot['submits_per_s']:.1f} submits/s, "
                f"{peer_shot['requests_per_s']:.1f} requests/s ({peer_shot['status']}); rows "
                f"stored {peer_shot['rows']} for {args.phones} phones; app / peer {lead:.2f}"
            )

        rows = weights(app, join)
        figures["weights"] = rows
        print("page weight, gzip -6 (HTML + the CSS and JS it references)")
        for name, page, assets, total in rows:
            print(
                f"  {name:<18} {page:>6,} B + {assets:>6,} B = {total:>6,} B "
                f"(goal <= {GOAL_WEIGHT // 1000} KB: {verdict(total <= GOAL_WEIGHT)})"
            )
        heaviest = max(total for *_rest, total in rows)
        print(f"  heaviest          {heaviest:,} B (hard limit {HARD_WEIGHT // 1000} KB)")
        problems = app.log_problems()
        print(f"app log problems    {len(problems)} lines")
        for line in problems[:5]:
            print(f"  {line[:160]}")
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=1))
        assert shot["rows"] == args.phones, f"{shot['rows']} rows, expected {args.phones}"
        assert shot["errors"] == 0, "some submits got no 303"
        assert heaviest <= HARD_WEIGHT
    finally:
        for server in reversed(servers):
            server.stop()
        if args.peer:
            peer.stop(None)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {benchlib.BARE_TABLE}")
        connection.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
