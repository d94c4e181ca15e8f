"""The room's first minute: every phone scans the QR code at once and opens the survey.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/join_burst.py [--redis redis://127.0.0.1:6379/9]

The facilitator shows the room code on the projector and says "scan it now". Each phone
sends the room code's GET (the app makes its session and draws its draft's id) and follows
the redirect to the survey's first page. All phones come from 127.0.0.1, as a room's phones
come from one address behind the workplace's Wi-Fi, and every tenth phone first mistypes
the code. What it does:

1. Builds the demo programme and starts the app as survey_flow.py does (gunicorn, 3 sync
   workers, DEBUG=0, each worker counting its SQL statements) with the bare Django view
   beside it.
2. CPU and statements per join (the code's GET and the first page), phones one at a time,
   in four turns alternating with the bare view's page GET sent twice per phone.
3. The burst: `--phones` phones (default 200), each in its own thread, all released at
   once: a wrong code first for every tenth, then the code, then the first page. Prints the
   statuses, phones on their first page per second, the time from the scan to the first
   page (p50, p95, max), the sessions made (one per phone must be), and what a fresh
   phone's wrong code costs just after (past the address's limit it would wait
   RATE_LIMIT_DELAY, 1 s). The bare view's page GET, hit by as many requests at once just
   before and just after, is the baseline (the mean of the two).

No goal is set for this minute in the issue that asked for the benchmarks; the figures
stand beside the final-submit burst of survey_flow.py. The machine is shared: read the
ratios within one run.
"""

from __future__ import annotations

import argparse
import functools
import shutil
import tempfile
import time
from pathlib import Path

import benchlib
from survey_flow import (
    Meter,
    demo_round,
    expect,
    per,
    print_setup,
    start_app_and_bare,
    verdict,
)

TURNS = 4
TYPO_EVERY = 10  # every tenth phone mistypes the code first
WRONG_CODE = "ZZZZZZ"  # six letters, as a code is, that no room has


def scan(phone: benchlib.Phone, join: str, *, typo: bool) -> benchlib.Reply:
    """One phone scanning the code, after a typo if it makes one: the first reply that is not
    what a phone should get, else the first page's, timed from the first request."""
    start = time.perf_counter()
    steps = [(f"/j/{WRONG_CODE}/", 404)] if typo else []
    reply = None
    for path, status in [*steps, (join, 302)]:
        reply = phone.request("GET", path)
        if reply.status != status:
            return reply
    reply = phone.request("GET", reply.location)
    reply.seconds = time.perf_counter() - start
    return reply


def join_once(phone: benchlib.Phone, join: str) -> None:
    expect(scan(phone, join, typo=False), 200, "room code and first page")


def cpu_per_join(app, count_dir, bare, join: str, phones: int) -> dict:
    """CPU and statements per join against two bare page GETs, in TURNS alternating turns."""
    app_meter, bare_meter = Meter(app, count_dir), Meter(bare)
    each = max(1, phones // TURNS)
    for _turn in range(TURNS):
        with app_meter:
            for _ in range(each):
                join_once(benchlib.Phone(app.port), join)
        with bare_meter:
            client = benchlib.Phone(bare.port)
            for _ in range(2 * each):
                expect(client.request("GET", "/page/"), 200, "bare page")
    measured = each * TURNS
    cpu_ms, statements = per(app_meter, measured)
    # per join: the app's two requests against the bare view's two GETs
    return {"cpu_ms": cpu_ms, "statements": statements, "bare_ms": per(bare_meter, measured)[0]}


def session_rows() -> int:
    from django.contrib.sessions.models import Session

    return Session.objects.count()


def burst(app, bare, join: str, phones: int) -> dict:
    def bare_burst() -> tuple[list[benchlib.Shot], float]:
        calls = [
            functools.partial(benchlib.Phone(bare.port).request, "GET", "/page/")
            for _ in range(2 * phones)
        ]
        return benchlib.burst(calls)

    bare_before = bare_burst()
    sessions_before = session_rows()
    calls = [
        functools.partial(scan, benchlib.Phone(app.port), join, typo=i % TYPO_EVERY == 0)
        for i in range(phones)
    ]
    shots, wall = benchlib.burst(calls)
    sessions = session_rows() - sessions_before
    fresh = benchlib.Phone(app.port)
    after = fresh.request("GET", f"/j/{WRONG_CODE}/")
    bare_after = bare_burst()
    requests = phones * 2 + len(range(0, phones, TYPO_EVERY))
    bare_rates = [len(s) / w for s, w in (bare_before, bare_after)]
    return {
        "status": benchlib.histogram(shots),
        "on_first_page": sum(1 for shot in shots if shot.status == 200),
        "sessions": sessions,
        "wall": wall,
        "phones_per_s": phones / wall,
        "requests_per_s": requests / wall,
        "latency": benchlib.latency_line(shots),
        "typos": len(range(0, phones, TYPO_EVERY)),
        "fresh_wrong_code": (after.status, after.seconds),
        "bare_requests_per_s": sum(bare_rates) / 2,
        "bare_before": bare_rates[0],
        "bare_after": bare_rates[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="", help="REDIS_URL for the app (default: none)")
    parser.add_argument("--phones", type=int, default=200, help="phones in the room")
    parser.add_argument("--one-at-a-time", type=int, default=80, help="joins measured for CPU")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-join-"))
    url = benchlib.setup_django()
    print_setup(url, args.redis)
    _survey_round, join = demo_round()
    servers: list[benchlib.Server] = []
    try:
        app, count_dir, bare = start_app_and_bare(url, tmp, args.redis, servers)
        for _ in range(6):  # every worker has imported its templates before anything counts
            join_once(benchlib.Phone(app.port), join)
            benchlib.Phone(bare.port).request("GET", "/page/")

        cpu = cpu_per_join(app, count_dir, bare, join, args.one_at_a_time)
        print(f"\none join, phones one at a time ({args.one_at_a_time} phones)")
        print("  requests          2 (the room code's GET, its redirect to the first page)")
        print(f"  SQL statements    {cpu['statements']:.1f} per join, BEGIN/COMMIT included")
        print(
            f"  app CPU           {cpu['cpu_ms']:.2f} ms per join; two bare page GETs "
            f"{cpu['bare_ms']:.2f} ms: {cpu['cpu_ms'] / cpu['bare_ms']:.2f} x"
        )

        figures = burst(app, bare, join, args.phones)
        print(f"\nburst: {args.phones} phones scan the code at once, from one address")
        print(f"  typos first       {figures['typos']} phones (every {TYPO_EVERY}th): 404, then in")
        print(f"  status            {figures['status']} (each phone's last reply)")
        joined_all = figures["on_first_page"] == args.phones
        print(
            f"  on first page     {figures['on_first_page']} of {args.phones} "
            f"(must be all: {verdict(joined_all)})"
        )
        one_each = figures["sessions"] == args.phones
        print(f"  sessions made     {figures['sessions']} (one per phone: {verdict(one_each)})")
        print(
            f"  throughput        {figures['phones_per_s']:.1f} phones/s, "
            f"{figures['requests_per_s']:.1f} requests/s; the whole room in {figures['wall']:.2f} s"
        )
        print(f"  scan to page      {figures['latency']}")
        print(
            f"  bare page GET     {figures['bare_requests_per_s']:.1f} requests/s, the mean of "
            f"{figures['bare_before']:.1f} before and {figures['bare_after']:.1f} after"
        )
        print(
            f"  ratio             {figures['requests_per_s'] / figures['bare_requests_per_s']:.2f}"
            " = app / bare requests/s"
        )
        status, seconds = figures["fresh_wrong_code"]
        print(
            f"  after the burst   a fresh phone's wrong code: {status} in {1000 * seconds:.0f} ms "
            "(slowed would be >= 1000 ms)"
        )
        problems = app.log_problems()
        print(f"app log problems    {len(problems)} lines")
        for line in problems[:10]:
            print(f"  {line}")
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
