"""A seminar room's board under load: 200 phones post while the wall polls, then all vote.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/room_board.py

DATABASE_URL defaults to that database; the script creates it if missing and migrates it.
`--phones N` sets the size of the room (default 200), `--spread S` the seconds over which
the posts are sent (default 10; 0 sends them all at once behind one barrier), `--items N`
how many of the posts the room votes on (default 10: after grouping, a board has about
that many items, and popular items make phones wait for each other's locks), `--poll S`
the wall's poll interval (default 0.5 s), `--order` the vote threads' order (below).
Takes about 1.5 minutes on 2 cores, half of it the vote burst (1200 requests). Prints
figures; asserts counts (rows, violations, lost votes, 5xx), never times. What it does:

1. Builds a throwaway programme through the services (`create_programme`: seminars and
   boards from the template). Seminar 1's "good examples" board is put in phase collect
   with posts shown at once and presented on the wall (direct updates, as
   `seminars.services.set_phase` and `present` make them, without their audit rows), and
   a display link is issued (`issue_display_token`).
2. Starts the app as in production, as submit_burst.py does (its `start_app`):
   collectstatic into a temporary folder, `gunicorn config.wsgi --workers 3`, DEBUG=0.
3. Joins 200 phones over HTTP (not timed as a goal, 8 at a time): `GET /j/` for the CSRF
   cookie, `POST /j/` with the room code, which takes a seat and answers 302 to the board.
4. Posts (goal: 200 phones post within 10 s, each post on the wall within 3 s, p95): every
   phone posts one text at a random moment of the spread window, while a wall poller does
   what the projector does, only every 0.5 s instead of every 2 s to time it finely:
   `GET /display/<token>/live/?v=<version>` (204: unchanged; 200: the live part, whose
   hx-get carries the next version). The time each text first appears in a 200 is its
   "seen" time; "accepted -> seen" runs from the phone's 302 to that moment (it can be a
   little below 0: the post is committed before its 302 reaches the phone).
5. Votes: the board goes to phase vote (dots_per_seat 3, dots_per_item 2) and each phone
   picks 4 of the items, A B C D, and sends at once, behind one barrier with every other
   phone (6 x 200 threads, waiting in a shuffled order; `--order phone` puts each phone's
   6 side by side): A:1, B:1, C:1, D:1 (one of the four is over budget, depending on the
   order they are applied in), A:3 (over the per-item limit) and a replay of A:1. Each
   request is `POST /b/<id>/vote/` with `set=<group>:<dots>` ("set to", not "add").
   Afterwards the database is checked: budget violations (a seat with more than 3 dots, a
   Vote with more than 2) and lost votes: a phone whose Vote rows differ from what its
   accepted (302) requests set (the last accepted value per item, well defined since A:1
   and its replay set the same value and A:3 must never be accepted), or that has dots
   no accepted request set. A request the phone gave up on (no answer within the phone's
   60 s) may still be applied by the server afterwards: the script waits for the server to
   drain, and such a request may explain stored dots but is not required to. A phone's
   seat is found through its post's key.

Asserts counts only: 200 Post rows, no 5xx, no budget violation, no lost vote, no
over-limit request accepted. Times (the goals, requests without an answer within the
phone's 60 s timeout) are printed, never asserted.

Cleans up: stops gunicorn, deletes the programme (its boards, posts and seats go with it),
the phones' sessions and the temporary folder.
"""

from __future__ import annotations

import argparse
import functools
import random
import re
import shutil
import string
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
from submit_burst import FlowError, expect, start_app, twin

PHONES = 200
PREPARE_THREADS = 8
PREPARE_TIMEOUT = 300.0  # seconds for all phones to join
SPREAD = 10.0  # seconds over which the posts are sent
POLL_INTERVAL = 0.5  # seconds between the starts of two wall polls (the projector: 2 s)
SEEN_TIMEOUT = 15.0  # seconds after the last post for the wall to show every post
VOTE_ITEMS = 10
DOTS_PER_SEAT = 3
DOTS_PER_ITEM = 2
GOAL_POST_WINDOW = 10.0  # seconds for 200 posts
GOAL_SEEN_P95 = 3.0  # seconds from a post's 302 to the wall
PLAN_NAMES = ["A:1", "B:1", "C:1", "D:1", "A:3 (over 2)", "A:1 (replay)"]
LIVE_LINK = re.compile(r'hx-get="([^"]*/live/\?v=[^"]*)"')


# --- Phones -------------------------------------------------------------------------------


def join(port: int, code: str, board_url: str) -> benchlib.Phone:
    """A phone types the room code: GET for the CSRF cookie, POST, 302 to the board."""
    phone = benchlib.Phone(port)
    expect(phone.request("GET", "/j/"), 200, "join page")
    expect(phone.request("POST", "/j/", {"code": code}), 302, "join", board_url)
    return phone


def letters(number: int, width: int = 3) -> str:
    """A number as lower-case letters: texts without digits never look like phone numbers
    or dates to the name guard, so no post is held for review."""
    out = ""
    for _ in range(width):
        number, digit = divmod(number, 26)
        out = string.ascii_lowercase[digit] + out
    return out


@dataclass
class Posted:
    text: str
    key: str
    status: int = 0
    sent: float = 0.0  # perf_counter when the request left
    answered: float = 0.0  # perf_counter when the answer was in
    error: str = ""

    @property
    def seconds(self) -> float:
        return self.answered - self.sent


def post_at(phone: benchlib.Phone, path: str, posted: Posted, start: float, barrier=None) -> Posted:
    """Send one post at its moment (or when the barrier lets every phone go)."""
    if barrier is not None:
        barrier.wait()
    else:
        time.sleep(max(0.0, start - time.perf_counter()))
    posted.sent = time.perf_counter()
    try:
        reply = phone.request("POST", path, {"text": posted.text, "key": posted.key})
        posted.status = reply.status
    except OSError as error:  # refused, reset, timeout
        posted.error = type(error).__name__
    posted.answered = time.perf_counter()
    return posted


# --- The wall -----------------------------------------------------------------------------


@dataclass
class WallPoller:
    """The projector: polls the display link's live part and notes when each text appears."""

    port: int
    token: str
    texts: list[str]
    interval: float
    polls: list[tuple[int, float]] = field(default_factory=list)  # (status, seconds)
    seen: dict[str, float] = field(default_factory=dict)  # text -> perf_counter
    problems: list[str] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    stopping: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        if not self.ready.wait(30):
            raise RuntimeError("the wall did not load its page within 30 s")
        if self.problems:
            raise RuntimeError(f"the wall could not start: {self.problems[0]}")

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=60)

    @property
    def unseen(self) -> int:
        return len(self.texts) - len(self.seen)

    def _look(self, html: str, at: float) -> None:
        for text in self.texts:
            if text not in self.seen and text in html:
                self.seen[text] = at

    def _run(self) -> None:
        wall = benchlib.Phone(self.port)
        try:
            page = wall.request("GET", f"/display/{self.token}/")
            match = LIVE_LINK.search(page.text)
            if page.status != 200 or match is None:
                self.problems.append(f"display page answered {page.status} without a live link")
                return
            link = match.group(1)
        except OSError as error:
            self.problems.append(f"display page: {type(error).__name__}")
            return
        finally:
            self.ready.set()
        due = time.perf_counter()
        while not self.stopping.is_set():
            try:
                reply = wall.request("GET", link)
            except OSError as error:
                self.polls.append((0, 0.0))
                self.problems.append(f"poll: {type(error).__name__}")
            else:
                self.polls.append((reply.status, reply.seconds))
                if reply.status == 200:
                    self._look(reply.text, time.perf_counter())
                    match = LIVE_LINK.search(reply.text)
                    if match is None:
                        self.problems.append("a 200 poll without the next live link")
                    else:
                        link = match.group(1)
                elif reply.status != 204:
                    self.problems.append(f"poll answered {reply.status}")
            due += self.interval
            wait = due - time.perf_counter()
            if wait > 0:
                self.stopping.wait(wait)
            else:
                due = time.perf_counter()  # a slow poll: the next one goes at once


# --- Figures ------------------------------------------------------------------------------


def spread_line(values: list[float]) -> str:
    if not values:
        return "none"
    return (
        f"p50 {benchlib.percentile(values, 0.50) * 1000:.0f} ms, "
        f"p95 {benchlib.percentile(values, 0.95) * 1000:.0f} ms, "
        f"max {max(values) * 1000:.0f} ms"
    )


def status_line(statuses: list[int]) -> str:
    counts = Counter("no answer" if s == 0 else str(s) for s in statuses)
    return ", ".join(f"{key}: {n}" for key, n in sorted(counts.items()))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--phones", type=int, default=PHONES, help=f"phones in the room (default {PHONES})"
    )
    parser.add_argument(
        "--spread",
        type=float,
        default=SPREAD,
        help=f"seconds over which the posts are sent (default {SPREAD:.0f}; 0: all at once)",
    )
    parser.add_argument(
        "--items",
        type=int,
        default=VOTE_ITEMS,
        help=f"items the room votes on, 4 or more (default {VOTE_ITEMS})",
    )
    parser.add_argument(
        "--poll",
        type=float,
        default=POLL_INTERVAL,
        help=f"seconds between wall polls (default {POLL_INTERVAL})",
    )
    parser.add_argument(
        "--order",
        choices=["shuffled", "phone"],
        default="shuffled",
        help="the order the vote threads wait at the barrier in: shuffled (default), or "
        "phone by phone, a phone's 6 requests side by side",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.items < 4 or args.items > args.phones:
        raise SystemExit("--items must be at least 4 and at most --phones")
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="bench-board-"))
    url = benchlib.setup_django()
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.db.models import F

    from programmes import services as programme_services
    from programmes.models import Workspace
    from seminars import services as seminar_services
    from seminars.models import Board, Post, PostGroup, Seat, Vote, Wall

    print(f"machine             {benchlib.machine()}")
    print(f"database            {benchlib.redacted(url)}")
    workspace = Workspace.objects.create(name=f"Benchmark room board {uuid.uuid4().hex[:8]}")
    programme = programme_services.create_programme(
        workspace=workspace,
        organisation="Benchmark kommune (room board)",
        title="Benchmark room board",
        language="da",
    )
    fixture = benchlib.Fixture(workspace, programme, [], [], [], [])
    servers: list[benchlib.Server] = []
    phones: list[benchlib.Phone] = []
    failures: list[str] = []
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
        token = seminar_services.issue_display_token(seminar=seminar)
        board_url = f"/b/{board.pk}/"
        print(
            f"room                seminar {seminar.pk} code {seminar.room_code}, "
            f"board {board.pk} ({board.kind}) in phase collect, on the wall"
        )

        app, described = start_app("gunicorn", url, tmp)
        servers.append(app)
        print(f"app                 {described}")

        # --- joining (not timed as a goal) ------------------------------------------------
        started = time.perf_counter()
        pool = ThreadPoolExecutor(PREPARE_THREADS)
        try:
            futures = [
                pool.submit(join, app.port, seminar.room_code, board_url)
                for _ in range(args.phones)
            ]
            for future in as_completed(futures, timeout=PREPARE_TIMEOUT):
                phones.append(future.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        joined = time.perf_counter() - started
        seats = Seat.objects.filter(seminar=seminar).count()
        print(
            f"joined              {len(phones)} phones in {joined:.1f} s "
            f"({len(phones) * 2 / joined:.0f} requests/s, {PREPARE_THREADS} at a time), "
            f"{seats} seats"
        )

        # --- (a) posts while the wall polls -----------------------------------------------
        run = "".join(rng.choices(string.ascii_lowercase, k=6))
        posts = [
            Posted(f"Good example {run}-{letters(i)}: we share the rota early", str(uuid.uuid4()))
            for i in range(args.phones)
        ]
        wall = WallPoller(app.port, token, [p.text for p in posts], args.poll)
        wall.start()
        time.sleep(args.poll)  # one unchanged poll before the first post
        post_path = f"/b/{board.pk}/post/"
        barrier = threading.Barrier(args.phones) if args.spread <= 0 else None
        start = time.perf_counter() + 0.2
        offsets = sorted(rng.uniform(0, args.spread) for _ in range(args.phones))
        rng.shuffle(offsets)
        with ThreadPoolExecutor(args.phones) as senders:
            futures = [
                senders.submit(post_at, phone, post_path, posted, start + offset, barrier)
                for phone, posted, offset in zip(phones, posts, offsets, strict=True)
            ]
            for future in futures:
                future.result()
        accepted = [p for p in posts if p.status == 302]
        last_answer = max(p.answered for p in posts)
        deadline = last_answer + SEEN_TIMEOUT
        while time.perf_counter() < deadline and any(p.text not in wall.seen for p in accepted):
            time.sleep(0.1)
        time.sleep(args.poll)  # one more poll, so the 204 ratio includes the quiet wall
        wall.stop()
        post_rows = Post.objects.filter(board=board).count()
        visible_rows = Post.objects.filter(board=board, state=Post.State.VISIBLE).count()
        first_sent = min(p.sent for p in posts)
        post_wall = last_answer - first_sent
        seen_after = [wall.seen[p.text] - p.answered for p in accepted if p.text in wall.seen]
        poll_statuses = [status for status, _seconds in wall.polls]
        poll_times = [seconds for status, seconds in wall.polls if status]
        unchanged = poll_statuses.count(204)

        print()
        how = f"at random moments over {args.spread:.0f} s" if args.spread > 0 else "at once"
        print(
            f"(a) {args.phones} phones post one text each, {how}; the wall polls every "
            f"{args.poll} s"
        )
        print(f"  status            {status_line([p.status for p in posts])}")
        print(
            f"  sending           {post_wall:.2f} s from the first post sent to the last "
            f"answer (goal: {args.phones} posts within {GOAL_POST_WINDOW:.0f} s)"
        )
        offered = f"offered {args.phones / args.spread:.0f}/s" if args.spread > 0 else "a burst"
        lag = last_answer - max(p.sent for p in posts)
        print(
            f"  throughput        {len(accepted) / post_wall:.1f} posts/s accepted ({offered}); "
            f"the last answer came {lag * 1000:.0f} ms after the last post was sent"
        )
        print(f"  post latency      {spread_line([p.seconds for p in posts if p.status])}")
        print(
            f"  accepted -> wall  {spread_line(seen_after)} "
            f"(goal p95 <= {GOAL_SEEN_P95:.0f} s; min {min(seen_after, default=0) * 1000:.0f} ms)"
        )
        print(
            f"  seen on the wall  {len(seen_after)} of {len(accepted)} accepted posts "
            f"(waiting at most {SEEN_TIMEOUT:.0f} s after the last answer)"
        )
        seen_p95 = benchlib.percentile(seen_after, 0.95) if seen_after else float("inf")
        print(
            "  goals             "
            f"p95 accepted -> wall <= {GOAL_SEEN_P95:.0f} s: "
            f"{'yes' if seen_p95 <= GOAL_SEEN_P95 and len(seen_after) == len(accepted) else 'NO'}"
            + (
                f", {args.phones} posts within {GOAL_POST_WINDOW:.0f} s: "
                f"{'yes' if post_wall <= GOAL_POST_WINDOW else 'NO'}"
                if args.spread <= 0
                else f", posts kept pace with the room: {'yes' if lag < 1.0 else 'NO'}"
            )
        )
        print(
            f"  wall polls        {len(wall.polls)}: {status_line(poll_statuses)}; "
            f"204 ratio {unchanged / max(len(wall.polls), 1):.2f}, mean poll "
            f"{sum(poll_times) / max(len(poll_times), 1) * 1000:.0f} ms, "
            f"max {max(poll_times, default=0) * 1000:.0f} ms"
        )
        print(f"  Post rows         {post_rows} ({visible_rows} visible)")
        for problem in wall.problems[:5]:
            print(f"  wall problem      {problem}")
        if post_rows != args.phones:
            failures.append(f"{post_rows} Post rows, expected {args.phones}")
        if any(s >= 500 for s in poll_statuses):
            failures.append("wall polls got a 5xx")

        # --- (b) every phone spends its dots at once --------------------------------------
        Board.objects.filter(pk=board.pk).update(
            phase=Board.Phase.VOTE,
            voting=True,
            dots_per_seat=DOTS_PER_SEAT,
            dots_per_item=DOTS_PER_ITEM,
            version=F("version") + 1,
        )
        seat_of = dict(Post.objects.filter(board=board).values_list("key", "seat_id"))
        pool_items = list(
            PostGroup.objects.filter(board=board, posts__state=Post.State.VISIBLE)
            .order_by("pk")
            .values_list("pk", flat=True)[: args.items]
        )
        vote_path = f"/b/{board.pk}/vote/"
        plans: list[list[tuple[int, int]]] = []
        for _phone in phones:
            a, b, c, d = rng.sample(pool_items, 4)
            plans.append([(a, 1), (b, 1), (c, 1), (d, 1), (a, DOTS_PER_ITEM + 1), (a, 1)])
        # The threads wait at the barrier in this order and connect in about this order
        # once it opens: shuffled, as many phones' requests interleave on the network.
        # With --order phone a phone's 6 requests tend to reach the 3 sync workers
        # together, and wait there for each other's lock on the seat.
        order = [(i, j) for i in range(len(phones)) for j in range(len(PLAN_NAMES))]
        if args.order == "shuffled":
            rng.shuffle(order)
        calls = []
        for i, j in order:
            item, dots = plans[i][j]
            tab = twin(phones[i])  # a tab of its own: the same cookies, its own jar
            calls.append(
                functools.partial(tab.request, "POST", vote_path, {"set": f"{item}:{dots}"})
            )
        shots, vote_wall = benchlib.burst(calls)
        if len(shots) != len(calls):
            raise RuntimeError(f"{len(calls) - len(shots)} vote requests ended without a shot")
        status_of = {(i, j): shot.status for (i, j), shot in zip(order, shots, strict=True)}
        unanswered = sum(1 for shot in shots if shot.status == 0)
        drain = 0.0
        if unanswered:  # the server may still apply a request its phone gave up on
            drained = time.perf_counter()
            benchlib.Phone(app.port, timeout=300).request("GET", "/healthz")
            time.sleep(2.0)  # the accept queue is served in order: the last ones finish
            drain = time.perf_counter() - drained

        votes: dict[int, dict[int, int]] = {}
        for seat_id, group_id, dots in Vote.objects.filter(board=board).values_list(
            "seat_id", "group_id", "dots"
        ):
            votes.setdefault(seat_id, {})[group_id] = dots
        over_seat = sum(1 for mine in votes.values() if sum(mine.values()) > DOTS_PER_SEAT)
        over_item = Vote.objects.filter(board=board, dots__gt=DOTS_PER_ITEM).count()
        violations = over_seat + over_item
        lost = missing = phantom = unmapped = full = undecided = applied_unanswered = 0
        accepted_over = 0  # A:3, or a fourth item, answered 302
        for i, (posted, plan) in enumerate(zip(posts, plans, strict=True)):
            statuses = [status_of[i, j] for j in range(len(plan))]
            expected: dict[int, int] = {}  # "set to": the last accepted value per item
            maybe: set[tuple[int, int]] = set()  # sent, never answered: applied or not
            for (item, dots), status in zip(plan, statuses, strict=True):
                if status == 302:
                    expected[item] = dots
                elif status == 0:
                    maybe.add((item, dots))
            undecided += bool(maybe)
            if statuses[4] == 302 or len(expected) > DOTS_PER_SEAT:
                accepted_over += 1
            seat_id = seat_of.get(uuid.UUID(posted.key))
            if seat_id is None:
                unmapped += 1
                continue
            stored = votes.get(seat_id, {})
            full += sum(stored.values()) == DOTS_PER_SEAT
            # Lost: an accepted set is not what is stored. Phantom: stored dots that no
            # accepted request set and no unanswered one may have set.
            gone = any(stored.get(item) != dots for item, dots in expected.items())
            unexplained = [
                (item, dots)
                for item, dots in stored.items()
                if expected.get(item) != dots and (item, dots) not in maybe
            ]
            applied_unanswered += any(
                (item, dots) in maybe and expected.get(item) != dots
                for item, dots in stored.items()
            )
            missing += gone
            phantom += bool(unexplained)
            lost += gone or bool(unexplained)
        server_errors = [s for s in shots if s.status >= 500] + [
            p for p in posts if p.status >= 500
        ]
        vote_rows = sum(len(mine) for mine in votes.values())
        dots_total = sum(sum(mine.values()) for mine in votes.values())

        print()
        print(
            f"(b) {args.phones} phones x 6 vote requests behind one barrier "
            f"({len(calls)} threads; {args.items} items; {DOTS_PER_SEAT} dots per seat, "
            f"at most {DOTS_PER_ITEM} per item)"
        )
        print("  per phone         A:1 B:1 C:1 D:1 (one over budget), A:3 (over the item")
        print("                    limit), A:1 again (a replay)")
        print(f"  status            {benchlib.histogram(shots)}")
        print(f"  wall time         {vote_wall:.2f} s (barrier release to last answer)")
        print(f"  throughput        {len(shots) / vote_wall:.1f} requests/s")
        print(f"  latency           {spread_line([s.seconds for s in shots if s.status])}")
        for code in (302, 409):
            line = spread_line([s.seconds for s in shots if s.status == code])
            print(f"    answered {code}   {line}")
        for j, name in enumerate(PLAN_NAMES):
            line = status_line([status_of[i, j] for i in range(len(phones))])
            print(f"  {name:<18}{line}")
        print("database")
        print(
            f"  Vote rows         {vote_rows}, {dots_total} dots on {len(votes)} seats; "
            f"{full} of {len(phones)} phones spent exactly {DOTS_PER_SEAT}"
        )
        print(
            f"  violations        {violations} (seats over {DOTS_PER_SEAT}: {over_seat}, "
            f"Votes over {DOTS_PER_ITEM}: {over_item}); over-limit requests answered 302 "
            f"on {accepted_over} phones"
        )
        print(
            f"  lost votes        {lost} phones whose Vote rows differ from their answers "
            f"(an accepted set not stored: {missing}; dots stored that no accepted or "
            f"unanswered request set: {phantom}; phones without a seat found: {unmapped})"
        )
        print(
            f"  unanswered        {unanswered} requests on {undecided} phones; "
            f"{applied_unanswered} phones have dots from a request they got no answer to"
            + (f" (counted after {drain:.1f} s for the server to drain)" if unanswered else "")
        )
        app_problems = app.log_problems()
        print(f"app log problems    {len(app_problems)} lines")
        for line in app_problems[:10]:
            print(f"  {line[:200]}")
        if server_errors or app_problems:
            log = app.log_path.read_text(errors="replace").splitlines()
            first = next((i for i, line in enumerate(log) if "Traceback" in line), None)
            if first is not None:
                print("first traceback in the app log:")
                for line in log[first : first + 40]:
                    print(f"  {line[:200]}")
        if violations:
            failures.append(f"{violations} budget violations")
        if lost or unmapped:
            failures.append(f"{lost} lost votes, {unmapped} phones without a seat")
        if accepted_over:
            failures.append(f"{accepted_over} phones had an over-limit request accepted")
        if server_errors:
            failures.append(f"{len(server_errors)} requests got a 5xx")
        if unanswered:  # printed, not asserted: the phone's 60 s timeout is a time limit
            print(f"note                {unanswered} vote requests got no answer within 60 s")
        print("checks              " + ("; ".join(failures) if failures else "all counts right"))
        assert violations == 0, f"{violations} budget violations"
        assert lost == 0 and unmapped == 0, f"{lost} lost votes, {unmapped} unmapped phones"
        assert not server_errors, f"{len(server_errors)} requests got a 5xx"
        assert not failures, "; ".join(failures)
    except FlowError as error:
        print(f"flow error          {error}")
        raise
    finally:
        for server in reversed(servers):
            server.stop()
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
