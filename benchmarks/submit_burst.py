"""R-1 / R-2: 200 phones submit at once, each twice concurrently and once more 5 s later.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/submit_burst.py
    .venv/bin/python benchmarks/submit_burst.py --database sqlite
    .venv/bin/python benchmarks/submit_burst.py --database sqlite --server runserver

DATABASE_URL defaults to that database; the script creates it if missing and migrates it.
`--database sqlite` runs everything on a fresh SQLite file in the temporary folder instead,
with the app's own SQLite settings (the quick start's database: WAL, a busy timeout,
IMMEDIATE transactions). `--server runserver` serves the app as ./scripts/start does
(`manage.py runserver`, threaded, DEBUG=1) instead of gunicorn, and skips the baseline.
`--phones N` sets the size of the room (default 200). runserver's listen backlog is 10
connections (Django's WSGIServer), so a 200-phone burst overflows it and connections are
reset or retried: runserver is for a room of about 30, gunicorn for more.
Takes about a minute on 2 cores. What it does:

1. Builds a throwaway programme (3 departments x 4 teams, one open round with its own room
   code) through the services.
2. Runs `manage.py collectstatic` into a temporary STATIC_ROOT and starts the app as in
   production: `gunicorn config.wsgi --workers 3` with DEBUG=0, a random SECRET_KEY,
   ALLOWED_HOSTS=127.0.0.1 and SECURE_SSL_REDIRECT=0. The only difference from
   config.settings is STATIC_ROOT, set by a two-line settings module written to the temporary
   folder (the manifest storage of DEBUG=0 needs collected files; the repository's own
   staticfiles/ is left alone). The production cookies are `__Host-` prefixed and Secure;
   the phones here keep cookies by hand and send them back over plain HTTP, so DEBUG=0 works.
3. Prepares 200 phones over HTTP (not timed, 8 at a time): room code, language, unit,
   every question page, the review page with its hidden draft and key.
4. The burst: 400 threads behind one barrier, two per phone with the same cookies, draft
   and key (a double tap from two tabs). 5 s after the burst, each phone sends the same
   form a third time.
5. Counts rows in the database and asserts exactly 200 responses and no 5xx or unanswered
   send (counts, never times).
6. The baseline: a bare Django view that inserts one row (benchlib.bare_insert_app, no
   middleware, the same database settings), served by gunicorn with 3 workers, hit with
   the same 400-request burst. Prints the ratio of the two request rates (goal >= 0.6).

Cleans up: stops both gunicorns, deletes the programme, the baseline table, the phones'
sessions and the temporary folder.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

PHONES = 200
PREPARE_THREADS = 8
PREPARE_TIMEOUT = 300.0  # seconds for all 200 phones
LATER_DELAY = 5.0
GOAL_P95 = 2.0  # seconds
GOAL_RATE = 50.0  # submissions per second
GOAL_RATIO = 0.6


class FlowError(Exception):
    pass


def expect(reply: benchlib.Reply, status: int, step: str, location: str | None = None) -> None:
    if reply.status != status or (location is not None and reply.location != location):
        raise FlowError(
            f"{step}: expected {status} {location or ''}, got {reply.status} {reply.location}"
        )


def walk_to_review(
    port: int, round_id: int, code: str, unit_id: int, pages: list[list[int]], seed: int
) -> tuple[benchlib.Phone, dict[str, str]]:
    """One phone from the room code to the review page; returns it and the review form."""
    rng = random.Random(seed)
    phone = benchlib.Phone(port)
    base = f"/s/{round_id}/"
    expect(phone.request("GET", f"/j/{code}/"), 302, "join", base)
    expect(phone.request("GET", base), 200, "first page")
    expect(phone.request("POST", base, {"language": "da"}), 302, "language")
    expect(phone.request("POST", base, {"unit": str(unit_id)}), 302, "start (unit)")
    for number, item_ids in enumerate(pages, start=1):
        level = rng.randint(2, 4)
        fields = {f"item-{pk}": str(min(5, max(1, level + rng.randint(-1, 1)))) for pk in item_ids}
        fields["nav"] = "next"
        expect(phone.request("POST", f"{base}q/{number}/", fields), 302, f"page {number}")
    review = phone.request("GET", base + "review/")
    expect(review, 200, "review page")
    form = {
        "csrfmiddlewaretoken": phone.csrf_token,
        "draft": benchlib.hidden_input(review.text, "draft"),
        "key": benchlib.hidden_input(review.text, "key"),
    }
    return phone, form


def twin(phone: benchlib.Phone) -> benchlib.Phone:
    """A second tab of the same browser: the same cookies, its own jar object."""
    return benchlib.Phone(phone.port, cookies=dict(phone.cookies), csrf_token=phone.csrf_token)


def collectstatic(tmp: Path, env: dict[str, str]) -> None:
    (tmp / "bench_static_settings.py").write_text(
        f"from config.settings import *  # noqa: F403\nSTATIC_ROOT = {str(tmp / 'static')!r}\n"
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=benchlib.ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(tmp)},
        check=True,
        timeout=180,
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        choices=["postgresql", "sqlite"],
        default="postgresql",
        help="postgresql: DATABASE_URL or the benchmarks' own database; "
        "sqlite: a fresh SQLite file with the app's settings (the quick start's database)",
    )
    parser.add_argument(
        "--phones", type=int, default=PHONES, help=f"phones in the room (default {PHONES})"
    )
    parser.add_argument(
        "--server",
        choices=["gunicorn", "runserver"],
        default="gunicorn",
        help="gunicorn: 3 sync workers, DEBUG=0 (production); "
        "runserver: threaded, DEBUG=1 (as ./scripts/start serves)",
    )
    return parser.parse_args()


def start_app(server: str, url: str, tmp: Path) -> tuple[benchlib.Server, str]:
    """The app under test, served as chosen; returns it and a line describing it."""
    if server == "runserver":
        env = {"DEBUG": "1", "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
        app = benchlib.start_runserver(name="app", env=env, log_path=tmp / "app.log")
        return app, f"runserver (threaded) on 127.0.0.1:{app.port}, DEBUG=1"
    env = {
        "DEBUG": "0",
        "SECRET_KEY": benchlib.random_secret_key(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench_static_settings",
    }
    started = time.perf_counter()
    collectstatic(tmp, env)
    print(f"collectstatic       {time.perf_counter() - started:.1f} s (into {tmp}/static)")
    app = benchlib.start_gunicorn(
        name="app",
        app="config.wsgi",
        env=env,
        log_path=tmp / "app.log",
        extra_args=("--pythonpath", str(tmp)),
    )
    return app, f"gunicorn, 3 sync workers on 127.0.0.1:{app.port}, DEBUG=0"


def run_baseline(
    url: str, tmp: Path, servers: list[benchlib.Server], requests: int
) -> tuple[list[benchlib.Shot], float, int]:
    """The bare insert view under gunicorn, hit with a burst of requests: shots, wall, rows."""
    from django.db import connection

    sqlite = connection.vendor == "sqlite"
    columns = (
        "(id integer PRIMARY KEY AUTOINCREMENT, key char(32) NOT NULL, payload text NOT NULL)"
        if sqlite
        else "(id bigserial PRIMARY KEY, key uuid NOT NULL, payload text NOT NULL)"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {benchlib.BARE_TABLE}")
        cursor.execute(f"CREATE TABLE {benchlib.BARE_TABLE} {columns}")
    bare = benchlib.start_gunicorn(
        name="bare",
        app="benchlib:bare_insert_app()",
        env={"DATABASE_URL": url, "SECRET_KEY": benchlib.random_secret_key()},
        log_path=tmp / "bare.log",
        extra_args=("--pythonpath", str(Path(__file__).resolve().parent)),
    )
    servers.append(bare)
    payload = "x" * 120  # about the size of the review form

    def bare_call(client: benchlib.Phone) -> benchlib.Reply:
        return client.request("POST", "/insert/", {"key": str(uuid.uuid4()), "payload": payload})

    warm = benchlib.Phone(bare.port)
    for _ in range(30):  # load every worker's code and open its pool
        bare_call(warm)
    with connection.cursor() as cursor:
        cursor.execute(f"{'DELETE FROM' if sqlite else 'TRUNCATE'} {benchlib.BARE_TABLE}")
    shots, wall = benchlib.burst(
        [functools.partial(bare_call, benchlib.Phone(bare.port)) for _ in range(requests)]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {benchlib.BARE_TABLE}")
        rows = cursor.fetchone()[0]
    return shots, wall, rows


def main() -> None:
    args = parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-submit-"))
    if args.database == "sqlite":  # a fresh file, removed with the temporary folder
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    url = benchlib.setup_django()
    from django.contrib.sessions.models import Session
    from django.db import connection

    from surveys.models import Answer, Draft, Participation, Response
    from surveys.views import pages

    fixture = benchlib.build_programme(label="submit burst", departments=3, teams=4)
    survey_round = fixture.rounds[0]
    item_pages = [[item.pk for item in page] for page in pages(fixture.items)]
    servers: list[benchlib.Server] = []
    phones: list[benchlib.Phone] = []
    print(f"machine             {benchlib.machine()}")
    print(f"database            {benchlib.redacted(url)}")
    print(
        f"programme           {len(fixture.units)} units, {len(fixture.items)} items on "
        f"{len(item_pages)} pages ({'/'.join(str(len(p)) for p in item_pages)}), "
        f"round {survey_round.pk} code {survey_round.room_code}"
    )
    try:
        app, described = start_app(args.server, url, tmp)
        servers.append(app)
        print(f"app                 {described}")

        # --- preparation (not timed as a goal) --------------------------------------------
        started = time.perf_counter()
        forms: list[dict[str, str]] = []
        pool = ThreadPoolExecutor(PREPARE_THREADS)
        try:
            futures = [
                pool.submit(
                    walk_to_review,
                    app.port,
                    survey_round.pk,
                    survey_round.room_code,
                    fixture.leaves[i % len(fixture.leaves)].pk,
                    item_pages,
                    i,
                )
                for i in range(args.phones)
            ]
            for future in as_completed(futures, timeout=PREPARE_TIMEOUT):
                phone, form = future.result()
                phones.append(phone)
                forms.append(form)
        finally:  # on a failure or timeout, drop the phones not yet started
            pool.shutdown(wait=True, cancel_futures=True)
        prepared = time.perf_counter() - started
        requests_per_phone = 5 + len(item_pages)
        print(
            f"prepared            {len(phones)} phones in {prepared:.1f} s "
            f"({len(phones) * requests_per_phone / prepared:.0f} requests/s, "
            f"{requests_per_phone} requests each, {PREPARE_THREADS} at a time)"
        )
        drafts_before = Draft.objects.filter(round=survey_round).count()

        # --- the burst: every phone submits, each with a concurrent duplicate -------------
        review = f"/s/{survey_round.pk}/review/"
        calls = []
        for phone, form in zip(phones, forms, strict=True):
            calls.append(functools.partial(phone.request, "POST", review, form))
            calls.append(functools.partial(twin(phone).request, "POST", review, form))
        shots, wall = benchlib.burst(calls)
        after_burst = Response.objects.filter(round=survey_round).count()

        time.sleep(LATER_DELAY)
        later_calls = [
            functools.partial(phone.request, "POST", review, form)
            for phone, form in zip(phones, forms, strict=True)
        ]
        later_shots, later_wall = benchlib.burst(later_calls)

        responses = Response.objects.filter(round=survey_round)
        count = responses.count()
        keys = {str(k) for k in responses.values_list("idempotency_key", flat=True)}
        sent_keys = {form["key"] for form in forms}
        answers = Answer.objects.filter(response__round=survey_round).count()
        drafts_left = Draft.objects.filter(round=survey_round).count()
        participations = Participation.objects.filter(round=survey_round).count()
        app_problems = app.log_problems()

        # --- the baseline: a bare Django view inserting one row (gunicorn only) -----------
        if args.server == "gunicorn":
            bare_shots, bare_wall, bare_rows = run_baseline(url, tmp, servers, len(shots))

        # --- figures ----------------------------------------------------------------------
        submits_per_s = args.phones / wall
        requests_per_s = len(shots) / wall
        errors = [s for s in shots + later_shots if s.status == 0 or s.status >= 500]
        burst_p95 = benchlib.percentile([s.seconds for s in shots], 0.95)
        print()
        print(f"burst ({args.phones} submissions + as many concurrent duplicates, one barrier)")
        print(f"  status            {benchlib.histogram(shots)}")
        print(f"  wall time         {wall:.2f} s (barrier release to last answer)")
        print(
            f"  throughput        {submits_per_s:.1f} submissions/s "
            f"(goal >= {GOAL_RATE:.0f}), {requests_per_s:.1f} requests/s"
        )
        print(f"  latency           {benchlib.latency_line(shots)} (goal p95 <= {GOAL_P95} s)")
        print(f"  responses         {after_burst} right after the burst")
        print(f"third send, {LATER_DELAY:.0f} s later ({args.phones} at once)")
        print(f"  status            {benchlib.histogram(later_shots)}")
        print(f"  latency           {benchlib.latency_line(later_shots)}, wall {later_wall:.2f} s")
        print("database")
        print(
            f"  Response rows     {count} (must be {args.phones}); "
            f"keys match sent: {keys == sent_keys}"
        )
        print(f"  Answer rows       {answers} ({answers / max(count, 1):.1f} per response)")
        print(f"  Draft rows        {drafts_before} before, {drafts_left} after")
        print(f"  Participation     {participations} (room-code phones have no participant)")
        print(f"  app log problems  {len(app_problems)} lines")
        for line in app_problems[:5]:
            print(f"    {line[:160]}")
        sent = len(shots) + len(later_shots)
        print(f"errors              {len(errors)} of {sent} sends (5xx or no answer)")
        verdicts = [
            (f"rows == {args.phones}", count == args.phones),
            ("0 errors", not errors),
            ("all answered 303", all(s.status == 303 for s in shots + later_shots)),
            ("p95 <= 2 s", burst_p95 <= GOAL_P95),
            (">= 50 submissions/s", submits_per_s >= GOAL_RATE),
        ]
        if args.server == "gunicorn":
            bare_per_s = len(bare_shots) / bare_wall
            print("bare insert view (gunicorn, 3 sync workers, no middleware, same database)")
            print(f"  status            {benchlib.histogram(bare_shots)}")
            print(f"  rows              {bare_rows}")
            print(f"  wall time         {bare_wall:.2f} s")
            print(f"  throughput        {bare_per_s:.1f} requests/s")
            print(f"  latency           {benchlib.latency_line(bare_shots)}")
            ratio = requests_per_s / bare_per_s
            print(
                f"ratio               {ratio:.2f} = app requests/s / bare requests/s, same "
                f"{len(shots)}-request burst (goal >= {GOAL_RATIO})"
            )
            verdicts.append(("ratio >= 0.6", ratio >= GOAL_RATIO))
        print(
            "goals               "
            + ", ".join(f"{n}: {'yes' if ok else 'NO'}" for n, ok in verdicts)
        )
        assert count == args.phones, f"{count} Response rows, expected {args.phones}"
        assert not errors, f"{len(errors)} sends got a 5xx or no answer"
        if args.server == "gunicorn":
            assert bare_rows == len(shots), f"{bare_rows} baseline rows, expected {len(shots)}"
    finally:
        for server in reversed(servers):
            server.stop()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {benchlib.BARE_TABLE}")
        session_keys = [
            value
            for phone in phones
            for name, value in phone.cookies.items()
            if "sessionid" in name
        ]
        Session.objects.filter(session_key__in=session_keys).delete()
        fixture.delete()
        connection.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
