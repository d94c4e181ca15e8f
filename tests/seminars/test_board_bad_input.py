"""Bad input from phones on a board: a clear 4xx with a message, no row changed, never a 500.

One room is set up per test: a board with visible, hidden and foreign items, a second board
in the same room, a board in another workspace. Hypothesis then sends 500 requests each to
the post and the vote endpoints from phones that keep their session between examples:
wrong types, out-of-range numbers, unknown and foreign ids, unicode digits, duplicate keys,
10 kB strings, NUL bytes, invalid UTF-8 (raw bytes), missing fields, forged idempotency keys
and replays, in every phase of the board.

For every answer the test works out, from the request as the server parsed it, what the
answer must be (a reference written here says which votes can be read and what the dots
become), and checks the status, the message on the page and the rows of Post, PostGroup,
Vote and Seat before and after. Every broken rule is counted with a few of the requests that
broke it, so one run reports them all; the status histogram is printed (run with -s).
"""

from __future__ import annotations

import html
import re
import secrets
import uuid
from collections import Counter
from urllib.parse import quote_plus, urlencode

import pytest
from django.http.multipartparser import MAX_TOTAL_HEADER_SIZE
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seminars import services
from seminars.forms import PostForm
from seminars.models import Activity, Board, Post, PostGroup, Seat, Vote
from seminars.rooms import SEATS_SESSION_KEY
from tests.seminars.test_boards import phone, set_phase, write

URLENCODED = "application/x-www-form-urlencoded"
OTHER_DIGITS = ["²", "①", "٣", "１", "߃", "𝟗"]
TEN_KB = "x" * 10_000
PHASES = [phase for phase, _label in Board.Phase.choices]
EXAMPLES = 500
BAD_INPUT = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

BAD_REQUEST_PAGE = "The request could not be understood"  # 400.html: NUL, unreadable body
NOT_FOUND_PAGE = "Page not found"  # 404.html: no seat in that room, no such board
ALERT = re.compile(r'<div class="error-summary" role="alert">(.*?)</div>', re.DOTALL)


# --- The room --------------------------------------------------------------------------------


class Room:
    """A board with items in every state a phone can meet, and the phone that sends."""

    def __init__(self, cast):
        programme = cast.programme
        self.board = Board.objects.get(activity__seminar__programme=programme, kind="good_examples")
        set_phase(self.board, "collect", voting=True, dots_per_seat=3, dots_per_item=2)
        writer = phone(self.board)  # the real way in, once: typing the room code
        for text in ("Alpha", "Beta", "Gamma", "Delta", "Taken down"):
            assert write(writer, self.board, text).status_code == 302
        Post.objects.filter(text="Taken down").update(state=Post.State.HIDDEN)
        posts = Post.objects.filter(board=self.board)
        self.votable = list(posts.exclude(state="hidden").values_list("group_id", flat=True))
        self.hidden = posts.get(state="hidden").group_id
        self.others_keys = [str(key) for key in posts.values_list("key", flat=True)]
        self.seminar_id = self.board.activity.seminar_id
        # A second board in the same room: the phone's seat reaches it. Not open yet.
        activity = Activity.objects.create(
            seminar_id=self.seminar_id, position=99, title="Second board", kind="board"
        )
        self.neighbour = Board.objects.create(activity=activity, kind="wins", voting=True)
        self.neighbour_item, self.neighbour_key = self.item_on(self.neighbour)
        # A board in another workspace's programme: no seat there.
        self.stranger_board = Board.objects.get(
            activity__seminar__programme=cast.other_programme, kind="good_examples"
        )
        self.stranger_item, _key = self.item_on(self.stranger_board)
        self.own_units = [str(unit.pk) for unit in cast.units.values()]
        self.foreign_unit = str(cast.other_programme.units.get().pk)
        self.units = list(programme.units.order_by("name").values_list("pk", "name"))
        self.new_phone()

    @staticmethod
    def item_on(board) -> tuple[int, str]:
        """An item with one visible post on another board, and that post's key."""
        seat = Seat.objects.create(seminar=board.activity.seminar, key=uuid.uuid4().hex)
        group = PostGroup.objects.create(board=board)
        key = uuid.uuid4()
        Post.objects.create(board=board, group=group, seat=seat, key=key, text="Elsewhere")
        return group.pk, str(key)

    def new_phone(self, posts: int = 0) -> None:
        """Another phone in the room (a seat in its session, as entering the room gives),
        with some posts already written."""
        self.seat = Seat.objects.create(seminar_id=self.seminar_id, key=secrets.token_hex(16))
        self.client = Client(raise_request_exception=False)  # a 500 is an answer to count
        session = self.client.session
        session[SEATS_SESSION_KEY] = {str(self.seminar_id): self.seat.key}
        session.save()
        groups = PostGroup.objects.bulk_create(PostGroup(board=self.board) for _n in range(posts))
        Post.objects.bulk_create(
            Post(board=self.board, group=g, seat=self.seat, key=uuid.uuid4(), text="Earlier")
            for g in groups
        )
        self.accepted_keys: list[str] = []
        self.last_body = None

    def url(self, name: str, target: str) -> tuple[str, Board | None]:
        """The endpoint on the board the example aims at, and that board if the phone has a
        seat in its room."""
        boards = {"own": self.board, "neighbour": self.neighbour, "stranger": self.stranger_board}
        ids = {"missing": 2**31 - 1, "zero": 0}
        board_id = boards[target].pk if target in boards else ids[target]
        reachable = boards[target] if target in ("own", "neighbour") else None
        if reachable is not None:
            reachable.refresh_from_db()
        return reverse(name, args=[board_id]), reachable


@pytest.fixture
def room(cast) -> Room:
    return Room(cast)


def snapshot() -> tuple[list, ...]:
    """Every row a phone's post or vote could add, change or remove."""
    return (
        list(Post.objects.order_by("pk").values_list("pk", "group", "seat", "key", "state")),
        list(PostGroup.objects.order_by("pk").values_list("pk", "board")),
        list(Vote.objects.order_by("pk").values_list("pk", "seat", "group", "dots")),
        list(Seat.objects.order_by("pk").values_list("pk", "key", "unit")),
    )


def send(client: Client, url: str, pairs: list[tuple[str, str]], how: str, garbage: bytes):
    """POST the fields as multipart, as a urlencoded string, or as raw urlencoded bytes with
    bytes that are no UTF-8 spliced into every other field."""
    if how == "multipart":
        data: dict[str, list[str]] = {}
        for key, value in pairs:
            data.setdefault(key, []).append(value)
        return client.post(url, data)
    body = urlencode(pairs).encode()
    if how == "raw":
        parts = [f"{quote_plus(key)}={quote_plus(value)}".encode() for key, value in pairs]
        spliced = [part + garbage if n % 2 == 0 else part for n, part in enumerate(parts)]
        body = b"&".join(spliced or [garbage])
    return client.post(url, body, content_type=URLENCODED)


def carries_nul(request) -> bool:
    return any("\x00" in text for key, values in request.POST.lists() for text in (key, *values))


def unreadable(pairs: list[tuple[str, str]], how: str) -> bool:
    """Django itself refuses (400) a multipart part whose headers pass its limit."""
    return how == "multipart" and any(
        len(quote_plus(name)) + 60 > MAX_TOTAL_HEADER_SIZE for name, _value in pairs
    )


def page_of(response) -> str:
    return html.unescape(response.content.decode("utf-8", "replace"))


def human_message(response) -> bool:
    """The phone page's error summary is there and says something in words."""
    found = ALERT.findall(page_of(response))
    words = " ".join(re.sub(r"<[^>]+>", " ", block) for block in found)
    return bool(re.search(r"[A-Za-z]{3,}.*[A-Za-z]{3,}", words))


def short(value, limit: int = 300) -> str:
    """A request's fields for a report, 10 kB strings cut short."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


class Findings:
    """What the examples broke, by rule, with the first few requests that broke each."""

    def __init__(self) -> None:
        self.statuses: Counter = Counter()
        self.counts: Counter = Counter()
        self.examples: dict[str, list[str]] = {}

    def __call__(self, rule: str, ok: bool, request: str) -> bool:
        if not ok:
            self.counts[rule] += 1
            kept = self.examples.setdefault(rule, [])
            if len(kept) < 3:
                kept.append(request)
        return ok

    def report(self, name: str) -> None:
        histogram = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items()))
        print(f"\n{name}: {self.statuses.total()} examples; statuses {{{histogram}}}")
        for rule, count in self.counts.most_common():
            print(f"  BROKEN {rule}: {count} examples, e.g.")
            for example in self.examples[rule]:
                print(f"    {example}")


# --- Strategies --------------------------------------------------------------------------

GARBAGE = st.sampled_from(
    [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"%FF%FE", b"%C3%28", b""]
)
HOW = st.sampled_from(["multipart", "urlencoded", "raw"])
# Mostly the phone's own board; another board in its room; boards it has no seat for.
TARGET = st.sampled_from(["own"] * 6 + ["neighbour", "stranger", "missing", "zero"])
NEW_PHONE = st.sampled_from([False] * 9 + [True])
REPLAY = st.sampled_from([False] * 4 + [True])
FIELD_NAMES = st.one_of(
    st.sampled_from(["csrfmiddlewaretoken", "nav", "text[]", "SET", "set ", "key2", "id", ""]),
    st.text(max_size=20),
    st.sampled_from(["k" * 10_000, "x\x00", "é" * 600]),
)
ODD_VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "0", "-1", "1.0", "1e3", "0x1", "null", "[]", "\x00", "1\x00"]),
    st.sampled_from([*OTHER_DIGITS, TEN_KB, "9" * 5_000]),
)
EXTRAS = st.one_of(st.just([]), st.just([]), st.lists(st.tuples(FIELD_NAMES, ODD_VALUES), max_size=3))


def field(values):
    """A field sent once (mostly), left out, or sent two or three times (duplicate keys)."""
    once = st.lists(values, min_size=1, max_size=1)
    return st.one_of(once, once, once, st.just([]), st.lists(values, min_size=2, max_size=3))


TEXTS = st.one_of(
    st.sampled_from(
        [
            "A colleague covered my shift",
            "  Spaces all around  ",
            "Ærø østers på én tallerken",
            "Participant 3 always helps",  # a name on the participant list: held for review
            "Mail me at bo@example.dk",
            "y" * 500,
        ]
    ),
    st.sampled_from(["y" * 501, " \t\r\n", "", "two\x00parts", TEN_KB]),
    st.text(max_size=600),
)
# REPLAY, FORGED and NEIGHBOUR stand for keys the room knows (see post_pairs).
KEYS = st.one_of(
    st.uuids().map(str),
    st.uuids().map(str),
    st.sampled_from(["REPLAY", "FORGED", "NEIGHBOUR"]),
    st.uuids().flatmap(lambda key: st.sampled_from([key.hex.upper(), f"{{{key}}}", key.urn])),
    st.uuids().flatmap(lambda key: st.sampled_from([str(key)[:-1], f"{key}\x00", f"{key}0"])),
    st.sampled_from(["", "0", "-1", "00000000-0000-0000-0000-000000000000", "١" * 32, TEN_KB]),
    st.text(max_size=40),
)
UNITS = st.one_of(
    st.sampled_from(["", "", "OWN", "OWN"]),
    st.sampled_from(["FOREIGN", "0", "-1", "2147483648", "9" * 30, "1.0", " 1", *OTHER_DIGITS]),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.text(max_size=12),
)
COLUMNS = st.one_of(
    st.sampled_from(["works", "hard"]), st.sampled_from(["", "WORKS", "both"]), st.text(max_size=8)
)


@st.composite
def post_examples(draw):
    return {
        "phase": draw(st.sampled_from(["collect"] * 5 + PHASES)),
        "kind": draw(st.sampled_from(["good_examples", "good_examples", "now_picture"])),
        "review_first": draw(st.booleans()),
        "target": draw(TARGET),
        "fields": {
            "text": draw(field(TEXTS)),
            "key": draw(field(KEYS)),
            "unit": draw(field(UNITS)),
            "column": draw(field(COLUMNS)),
        },
        "extras": draw(EXTRAS),
        "how": draw(HOW),
        "garbage": draw(GARBAGE),
        "replay": draw(REPLAY),
        "new_phone": draw(NEW_PHONE),
        "written": draw(st.sampled_from([0, 0, 0, 5, services.POSTS_PER_SEAT - 1])),
    }


# --- Posting ---------------------------------------------------------------------------


def post_pairs(room: Room, example: dict) -> list[tuple[str, str]]:
    placeholders = {
        "REPLAY": (room.accepted_keys or room.others_keys)[-1],
        "FORGED": room.others_keys[0],  # another phone's post on this board
        "NEIGHBOUR": room.neighbour_key,  # a post on the other board of the room
        "OWN": room.own_units[0],
        "FOREIGN": room.foreign_unit,
    }
    pairs = [
        (name, placeholders.get(value, value))
        for name, values in example["fields"].items()
        for value in values
    ]
    return pairs + example["extras"]


@pytest.mark.django_db
def test_the_post_endpoint_answers_bad_input_with_a_message_and_no_change(room):
    found = Findings()

    @BAD_INPUT
    @given(example=post_examples())
    def run(example):
        if example["new_phone"]:
            room.new_phone(posts=example["written"])
        set_phase(room.board, example["phase"], kind=example["kind"])
        Board.objects.filter(pk=room.board.pk).update(review_first=example["review_first"])
        url, board = room.url("board_post", example["target"])
        if example["replay"] and room.last_body is not None:
            pairs, how, garbage = room.last_body
        else:
            pairs, how, garbage = post_pairs(room, example), example["how"], example["garbage"]
        room.last_body = (pairs, how, garbage)
        keys_before = set(Post.objects.filter(board=board).values_list("key", flat=True))
        own_posts = Post.objects.filter(board=board, seat=room.seat).count()
        before = snapshot()

        response = send(room.client, url, pairs, how, garbage)

        status = response.status_code
        found.statuses[status] += 1
        phase = board.phase if board is not None else "-"
        sent = f"{status} {example['target']} board, {phase}, {how}: {short(pairs)}"
        after = snapshot()
        if not found("no 5xx", status < 500, f"{sent} {getattr(response, 'exc_info', '')}"):
            return
        if status >= 400:
            found("no row changed on a 4xx", after == before, sent)
        request = response.wsgi_request
        if carries_nul(request) or unreadable(pairs, how):
            found("NUL or unreadable body: the 400 page", status == 400, sent)
            found("the 400 page says why", BAD_REQUEST_PAGE in page_of(response), sent)
            return
        if board is None:
            found("no seat there: 404", status == 404, sent)
            found("the 404 page says why", NOT_FOUND_PAGE in page_of(response), sent)
            return
        form = PostForm(request.POST, board=board, units=room.units)
        if not form.is_valid():
            found("an invalid form: 422", status == 422, sent)
            found(f"a 422 shows why (board in {phase})", human_message(response), sent)
            return
        key = form.cleaned_data["key"]
        if key in keys_before:  # a resend, or a key forged from another phone's post
            found("a known key: 302", status == 302, sent)
            found("a known key stores nothing", after[:3] == before[:3], sent)
            return
        if phase != Board.Phase.COLLECT:
            found("a closed phase: 409", status == 409, sent)
            found("a 409 shows why", human_message(response), sent)
            return
        if own_posts >= services.POSTS_PER_SEAT:
            found("too many posts: 429", status == 429, sent)
            found("a 429 shows why", human_message(response), sent)
            return
        found("a good post: 302", status == 302, sent)
        added = list(Post.objects.filter(board=board).exclude(key__in=keys_before))
        found("a good post adds one post", len(added) == 1, sent)
        found("... and its item", len(after[1]) == len(before[1]) + 1, sent)
        found("... and no vote", after[2] == before[2], sent)
        if len(added) == 1:
            stored = (added[0].seat_id, added[0].text)
            found("... as sent", stored == (room.seat.pk, form.cleaned_data["text"]), sent)
        room.accepted_keys.append(str(key))

    run()
    found.report("board post")
    assert found.statuses.total() >= EXAMPLES
    assert not found.counts, dict(found.counts)


# --- Voting ----------------------------------------------------------------------------


def read_votes(values: list[str]) -> dict[int, int] | None:
    """The dots a request asks for, or None when it cannot be read: 1 to 50 'item:dots'
    pairs in ASCII digits, an item id of at most 10 digits, at most 99 dots."""
    if not 1 <= len(values) <= 50:
        return None
    wanted: dict[int, int] = {}
    for value in values:
        match = re.fullmatch(r"([0-9]{1,10}):([0-9]+)", value)
        if match is None or len(match.group(2).lstrip("0")) > 2:
            return None
        wanted[int(match.group(1))] = int(match.group(2))
    return wanted


def dots_after(current: dict[int, int], wanted: dict[int, int], per_seat: int, per_item: int):
    """The seat's dots after the request, or None when the rule refuses it."""
    after = {item: dots for item, dots in {**current, **wanted}.items() if dots}
    grew = [item for item in after if after[item] > current.get(item, 0)]
    if any(after[item] > per_item for item in grew):
        return None
    if grew and sum(after.values()) > per_seat:
        return None
    return after


def item_tokens(room: Room):
    own = st.sampled_from(room.votable)
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    return st.one_of(
        own.map(str),
        own.map(str),
        own.map(str),
        st.sampled_from([room.hidden, room.neighbour_item, room.stranger_item]).map(str),
        st.sampled_from(["0", "00", "-1", "9999999999", "99999999999", "2147483648"]),
        st.sampled_from([str(room.votable[0] + 10_000), f" {room.votable[0]}", "", "1" * 5000]),
        own.map(lambda pk: str(pk).translate(arabic)),
        st.sampled_from(OTHER_DIGITS),
        st.integers(min_value=0, max_value=2**40).map(str),
        st.text(max_size=6),
    )


DOT_TOKENS = st.one_of(
    st.sampled_from(["0", "1", "2", "3", "4"]),
    st.sampled_from(["0", "1", "2", "3", "4"]),
    st.sampled_from(["99", "100", "-1", "", "1.0", " 1", "002", "٣", "²", "9" * 5_000]),
    st.integers(min_value=0, max_value=10**6).map(str),
    st.text(max_size=4),
)


@st.composite
def vote_pair(draw, room: Room) -> str:
    item, dots = draw(item_tokens(room)), draw(DOT_TOKENS)
    shape = draw(st.sampled_from(["{i}:{d}"] * 6 + ["{i}", "{i}:{d}:{d}", ":{d}", "{i}={d}"]))
    return shape.format(i=item, d=dots)


@st.composite
def vote_examples(draw, room: Room):
    pairs = st.lists(vote_pair(room), min_size=1, max_size=3)
    many = st.just([f"{n}:0" for n in range(51)])
    return {
        "phase": draw(st.sampled_from(["vote"] * 5 + PHASES)),
        "budget": draw(st.sampled_from([(3, 2), (3, 2), (3, 2), (2, 1), (5, 3), (1, 1)])),
        "target": draw(TARGET),
        "set": draw(st.one_of(pairs, pairs, pairs, st.sampled_from([[], [""]]), many)),
        "extras": draw(EXTRAS),
        "how": draw(HOW),
        "garbage": draw(GARBAGE),
        "replay": draw(REPLAY),
        "new_phone": draw(NEW_PHONE),
        # A new phone may start with dots above today's limits (a merge, a lowered budget).
        "start": draw(
            st.dictionaries(
                st.sampled_from([*room.votable, room.hidden]),
                st.integers(min_value=1, max_value=4),
                max_size=3,
            )
        ),
    }


@pytest.mark.django_db
def test_the_vote_endpoint_answers_bad_input_with_a_message_and_no_change(room):
    found = Findings()
    Board.objects.filter(pk=room.neighbour.pk).update(phase="vote")  # its item takes dots

    @BAD_INPUT
    @given(example=vote_examples(room))
    def run(example):
        if example["new_phone"]:
            room.new_phone()
            for group, dots in example["start"].items():
                Vote.objects.create(board=room.board, seat=room.seat, group_id=group, dots=dots)
        per_seat, per_item = example["budget"]
        set_phase(room.board, example["phase"], dots_per_seat=per_seat, dots_per_item=per_item)
        url, board = room.url("board_vote", example["target"])
        if example["replay"] and room.last_body is not None:
            pairs, how, garbage = room.last_body
        else:
            pairs = [("set", value) for value in example["set"]] + example["extras"]
            how, garbage = example["how"], example["garbage"]
        room.last_body = (pairs, how, garbage)
        mine = Vote.objects.filter(seat=room.seat, board=board)
        current = dict(mine.values_list("group_id", "dots"))
        before = snapshot()

        response = send(room.client, url, pairs, how, garbage)

        status = response.status_code
        found.statuses[status] += 1
        phase = board.phase if board is not None else "-"
        sent = f"{status} {example['target']} board, {phase}, {how}: {short(pairs)}"
        after = snapshot()
        if not found("no 5xx", status < 500, f"{sent} {getattr(response, 'exc_info', '')}"):
            return
        if status >= 400:
            found("no row changed on a 4xx", after == before, sent)
        else:
            others = (after[0], after[1], after[3]) == (before[0], before[1], before[3])
            found("a vote changes votes only", others, sent)
        request = response.wsgi_request
        if carries_nul(request) or unreadable(pairs, how):
            found("NUL or unreadable body: the 400 page", status == 400, sent)
            found("the 400 page says why", BAD_REQUEST_PAGE in page_of(response), sent)
            return
        if board is None:
            found("no seat there: 404", status == 404, sent)
            found("the 404 page says why", NOT_FOUND_PAGE in page_of(response), sent)
            return
        wanted = read_votes(request.POST.getlist("set"))
        if wanted is None:
            found("an unreadable vote: 400", status == 400, sent)
            found("a 400 shows why", human_message(response), sent)
            return
        items = set(PostGroup.objects.filter(board=board).values_list("pk", flat=True))
        shown = PostGroup.objects.filter(board=board, posts__state=Post.State.VISIBLE)
        votable = set(shown.values_list("pk", flat=True))
        raised = {item for item, dots in wanted.items() if dots > current.get(item, 0)}
        expected = dots_after(current, wanted, board.dots_per_seat, board.dots_per_item)
        refused = (
            phase != Board.Phase.VOTE
            or not set(wanted) <= items
            or not raised <= votable
            or expected is None
        )
        if refused:
            found("a refused vote: 409", status == 409, sent)
            found("a 409 shows why", human_message(response), sent)
            return
        found("an accepted vote: 302", status == 302, sent)
        now = dict(mine.values_list("group_id", "dots"))
        found("the dots the rule gives", now == expected, f"{sent} {current} -> {now}")
        if raised:  # whatever was added keeps within the budget and the item limit
            within = sum(now.values()) <= board.dots_per_seat and all(
                now.get(item, 0) <= board.dots_per_item for item in raised
            )
            found("a raise keeps within the limits", within, sent)
        else:
            found("no raise, no more dots", sum(now.values()) <= sum(current.values()), sent)

    run()
    found.report("board vote")
    assert found.statuses.total() >= EXAMPLES
    assert not found.counts, dict(found.counts)
