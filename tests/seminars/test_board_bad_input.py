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
from dataclasses import dataclass, field
from urllib.parse import quote_plus, urlencode

import pytest
from django.db import connection
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


@dataclass(frozen=True)
class Body:
    """A request's fields, in order, and how they are sent."""

    pairs: list[tuple[str, str]]
    how: str
    garbage: bytes = b""


@dataclass
class Phone:
    client: Client
    seat: Seat
    accepted_keys: list[str] = field(default_factory=list)  # of the posts it stored


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
        self.phone = self.new_phone()
        self.last_body = None  # the previous example's request, to replay

    @staticmethod
    def item_on(board) -> tuple[int, str]:
        """An item with one visible post on another board, and that post's key."""
        seat = Seat.objects.create(seminar=board.activity.seminar, key=uuid.uuid4().hex)
        group = PostGroup.objects.create(board=board)
        key = uuid.uuid4()
        Post.objects.create(board=board, group=group, seat=seat, key=key, text="Elsewhere")
        return group.pk, str(key)

    def new_phone(self, posts: int = 0) -> Phone:
        """Another phone in the room (a seat in its session, as entering the room gives),
        with some posts already written."""
        seat = Seat.objects.create(seminar_id=self.seminar_id, key=secrets.token_hex(16))
        client = Client(raise_request_exception=False)  # a 500 is an answer to count here
        session = client.session
        session[SEATS_SESSION_KEY] = {str(self.seminar_id): seat.key}
        session.save()
        groups = PostGroup.objects.bulk_create(PostGroup(board=self.board) for _n in range(posts))
        Post.objects.bulk_create(
            Post(board=self.board, group=g, seat=seat, key=uuid.uuid4(), text="Earlier")
            for g in groups
        )
        return Phone(client, seat)

    def add_full_phones(self) -> None:
        self.full = self.new_phone(posts=services.POSTS_PER_SEAT)
        self.nearly_full = self.new_phone(posts=services.POSTS_PER_SEAT - 1)

    def choose_phone(self, which: str) -> None:
        """The phone that sends: the same as before, a new one, one at the limit of posts,
        or one a post short of it (its first good post passes, then it is at the limit)."""
        if which == "new":
            self.phone = self.new_phone()
        elif which != "same":
            self.phone = {"full": self.full, "nearly full": self.nearly_full}[which]
        elif self.phone in (self.full, self.nearly_full):
            self.phone = self.new_phone()

    def set_board(self, **fields) -> None:
        Board.objects.filter(pk=self.board.pk).update(**fields)

    def url(self, name: str, target: str) -> tuple[str, Board | None]:
        """The endpoint on the board the example aims at, and that board if the phone has a
        seat in its room."""
        boards = {"own": self.board, "neighbour": self.neighbour, "stranger": self.stranger_board}
        ids = {"missing": 2**31 - 1, "zero": 0, "huge": 10**30}
        board_id = boards[target].pk if target in boards else ids[target]
        reachable = boards[target] if target in ("own", "neighbour") else None
        if reachable is not None:
            reachable.refresh_from_db()
        return reverse(name, args=[board_id]), reachable


@pytest.fixture
def room(cast) -> Room:
    return Room(cast)


SNAPSHOT = """
    SELECT (SELECT count(*) FROM {post}), (SELECT md5(string_agg(
                concat_ws(',', id, group_id, seat_id, key, state), ';' ORDER BY id)) FROM {post}),
           (SELECT count(*) FROM {group}), (SELECT md5(string_agg(
                concat_ws(',', id, board_id), ';' ORDER BY id)) FROM {group}),
           (SELECT count(*) FROM {vote}), (SELECT md5(string_agg(
                concat_ws(',', id, seat_id, group_id, dots), ';' ORDER BY id)) FROM {vote}),
           (SELECT count(*) FROM {seat}), (SELECT md5(string_agg(
                concat_ws(',', id, key, unit_id), ';' ORDER BY id)) FROM {seat})
"""


def snapshot() -> tuple[tuple[int, str], ...]:
    """Every row a phone's post or vote could add, change or remove: for each of Post,
    PostGroup, Vote and Seat, the number of rows and a digest of all of them."""
    tables = {"post": Post, "group": PostGroup, "vote": Vote, "seat": Seat}
    sql = SNAPSHOT.format(**{name: model._meta.db_table for name, model in tables.items()})
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return tuple(zip(row[::2], row[1::2], strict=True))


def send(client: Client, url: str, body: Body):
    """POST the fields as multipart, as a urlencoded string, or as raw urlencoded bytes with
    bytes that are no UTF-8 in a field of their own or spliced into every other field."""
    if body.how == "multipart":
        data: dict[str, list[str]] = {}
        for key, value in body.pairs:
            data.setdefault(key, []).append(value)
        return client.post(url, data)
    raw = urlencode(body.pairs).encode()
    if body.how in ("raw", "raw spliced"):
        parts = [f"{quote_plus(key)}={quote_plus(value)}".encode() for key, value in body.pairs]
        if body.how == "raw spliced":
            parts = [part + body.garbage if n % 2 else part for n, part in enumerate(parts, 1)]
        raw = b"&".join([*parts, b"note=" + body.garbage])
    return client.post(url, raw, content_type=URLENCODED)


def carries_nul(request) -> bool:
    return any("\x00" in text for key, values in request.POST.lists() for text in (key, *values))


def unreadable(body: Body) -> bool:
    """Django itself refuses (400) a multipart part whose headers pass its limit."""
    return body.how == "multipart" and any(
        len(quote_plus(name)) + 60 > MAX_TOTAL_HEADER_SIZE for name, _value in body.pairs
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
#
# Each request starts as one a phone would send and gets zero to three mutations: a field
# dropped, sent twice, or given an odd value; whole bodies go as multipart, urlencoded, or
# raw bytes with invalid UTF-8 in a field of their own or spliced into the fields.

GARBAGE = st.sampled_from(
    [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"%FF%FE", b"%C3%28", b""]
)
HOW = st.sampled_from(["multipart", "multipart", "urlencoded", "raw", "raw spliced"])
# Mostly the phone's own board; another board in its room; boards it has no seat for.
TARGET = st.sampled_from(["own"] * 12 + ["neighbour"] * 2 + ["stranger", "missing", "zero", "huge"])
REPLAY = st.sampled_from([False] * 5 + [True])  # the previous example's body, sent again
PHONE = st.sampled_from(["same"] * 14 + ["new", "new", "full", "full", "nearly full"])
ODD = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "0", "-1", "1.0", "1e3", "0x1", "null", "[]", "\x00", "1\x00"]),
    st.sampled_from([*OTHER_DIGITS, TEN_KB, "9" * 5_000]),
)
ODD_NAMES = st.one_of(
    st.sampled_from(["csrfmiddlewaretoken", "nav", "text[]", "SET", "set ", "key2", "id", ""]),
    st.text(max_size=20),
    st.sampled_from(["k" * 10_000, "x\x00", "é" * 600]),
)


def mutations(fields: dict, odd_values: dict):
    """Zero to three changes to named fields: dropped, sent twice, or an odd value."""
    names = st.sampled_from(sorted(fields))
    change = st.one_of(
        st.tuples(st.just("drop"), names, st.none()),
        names.flatmap(lambda name: st.tuples(st.just("twice"), st.just(name), odd_values[name])),
        names.flatmap(lambda name: st.tuples(st.just("odd"), st.just(name), odd_values[name])),
        st.tuples(st.just("extra"), ODD_NAMES, ODD),
    )
    return st.sampled_from([0, 0, 0, 1, 1, 2, 3]).flatmap(
        lambda n: st.lists(change, min_size=n, max_size=n)
    )


def mutate(pairs: list[tuple[str, str]], changes) -> list[tuple[str, str]]:
    pairs = list(pairs)
    for action, name, value in changes:
        if action == "drop":
            pairs = [(key, old) for key, old in pairs if key != name]
        elif action == "odd" and any(key == name for key, _old in pairs):
            pairs = [(key, value if key == name else old) for key, old in pairs]
        else:  # "twice", "extra", or "odd" for a field dropped before: one more field
            pairs.append((name, value))
    return pairs


GOOD_TEXTS = st.sampled_from(
    [
        "A colleague covered my shift",
        "  Spaces all around  ",
        "Ærø østers på én tallerken",
        "Participant 3 always helps",  # shaped like the names on the participant list
        "Mail me at bo@example.dk",  # held for review
        "y" * 500,
    ]
)
# FRESH, REPLAY, FORGED and NEIGHBOUR stand for keys the room knows (see post_pairs).
GOOD_KEYS = st.sampled_from(["FRESH"] * 6 + ["REPLAY", "FORGED", "NEIGHBOUR"])
ODD_POST_VALUES = {
    "text": st.one_of(
        st.sampled_from(["y" * 501, " \t\r\n", "", "two\x00parts", TEN_KB]),
        st.text(max_size=600),
    ),
    "key": st.one_of(
        st.uuids().flatmap(lambda key: st.sampled_from([key.hex.upper(), f"{{{key}}}", key.urn])),
        st.uuids().flatmap(lambda key: st.sampled_from([str(key)[:-1], f"{key}\x00", f"{key}0"])),
        st.sampled_from(["", "0", "-1", "00000000-0000-0000-0000-000000000000", "١" * 32]),
        st.sampled_from([TEN_KB, "FORGED", "NEIGHBOUR"]),
        st.text(max_size=40),
    ),
    "unit": st.one_of(
        st.sampled_from(["FOREIGN", "0", "-1", "2147483648", "9" * 30, "1.0", " 1", "OWN"]),
        st.sampled_from(OTHER_DIGITS),
        st.integers(min_value=-(2**63), max_value=2**63).map(str),
        st.text(max_size=12),
    ),
    "column": st.one_of(st.sampled_from(["", "WORKS", "both", "hard"]), st.text(max_size=8)),
}


@st.composite
def post_examples(draw):
    fields = {
        "text": draw(GOOD_TEXTS),
        "key": draw(GOOD_KEYS),
        "unit": draw(st.sampled_from(["", "OWN"])),
        "column": draw(st.sampled_from(["works", "hard"])),
    }
    return {
        "phase": draw(st.sampled_from(["collect"] * 4 + PHASES)),
        "kind": draw(st.sampled_from(["good_examples", "good_examples", "now_picture"])),
        "review_first": draw(st.booleans()),
        "target": draw(TARGET),
        "fields": fields,
        "changes": draw(mutations(fields, ODD_POST_VALUES)),
        "how": draw(HOW),
        "garbage": draw(GARBAGE),
        "replay": draw(REPLAY),
        "phone": draw(PHONE),
    }


# --- Posting ---------------------------------------------------------------------------


def post_pairs(room: Room, example: dict) -> list[tuple[str, str]]:
    placeholders = {
        "FRESH": str(uuid.uuid4()),
        "REPLAY": (room.phone.accepted_keys or room.others_keys)[-1],  # this phone's last post
        "FORGED": room.others_keys[0],  # another phone's post on this board
        "NEIGHBOUR": room.neighbour_key,  # a post on the other board of the room
        "OWN": room.own_units[0],
        "FOREIGN": room.foreign_unit,  # a unit of another workspace's programme
    }
    pairs = mutate(list(example["fields"].items()), example["changes"])
    return [(name, placeholders.get(value, value)) for name, value in pairs]


@pytest.mark.django_db
def test_the_post_endpoint_answers_bad_input_with_a_message_and_no_change(room):
    found = Findings()
    room.add_full_phones()

    @BAD_INPUT
    @given(example=post_examples())
    def run(example):
        room.choose_phone(example["phone"])
        room.set_board(
            phase=example["phase"], kind=example["kind"], review_first=example["review_first"]
        )
        url, board = room.url("board_post", example["target"])
        if example["replay"] and room.last_body is not None:
            body = room.last_body
        else:
            body = Body(post_pairs(room, example), example["how"], example["garbage"])
        room.last_body = body
        keys_before = set(Post.objects.filter(board=board).values_list("key", flat=True))
        own_keys = set(
            Post.objects.filter(board=board, seat=room.phone.seat).values_list("key", flat=True)
        )
        own_posts = Post.objects.filter(board=board, seat=room.phone.seat).count()
        before = snapshot()

        response = send(room.phone.client, url, body)

        status = response.status_code
        found.statuses[status] += 1
        phase = board.phase if board is not None else "-"
        sent = f"{status} {example['target']} board, {phase}, {body.how}: {short(body.pairs)}"
        after = snapshot()
        if not found("no 5xx", status < 500, f"{sent} {getattr(response, 'exc_info', '')}"):
            return
        if status >= 400:
            found("no row changed on a 4xx", after == before, sent)
        else:
            added = (after[0][0] - before[0][0], after[1][0] - before[1][0])
            found("a 2xx/3xx adds at most one post", added in ((0, 0), (1, 1)), sent)
        request = response.wsgi_request
        if carries_nul(request) or unreadable(body):
            found("NUL or unreadable body: the 400 page", status == 400, sent)
            found("the 400 page says why", BAD_REQUEST_PAGE in page_of(response), sent)
            return
        if board is None:
            found("no seat there: 404", status == 404, sent)
            found("the 404 page says why", NOT_FOUND_PAGE in page_of(response), sent)
            return
        form = PostForm(request.POST, board=board, units=room.units)
        if not form.is_valid() and phase != Board.Phase.COLLECT:
            found("an invalid form on a closed board: 409", status == 409, sent)
            found(f"a 409 shows why (board in {phase})", human_message(response), sent)
            return
        if not form.is_valid():
            found("an invalid form: 422", status == 422, sent)
            found(f"a 422 shows why (board in {phase})", human_message(response), sent)
            return
        key = form.cleaned_data["key"]
        if key in own_keys:  # a resend of this phone's own form
            found("a resend: 302", status == 302, sent)
            found("a resend stores nothing", after[:3] == before[:3], sent)
            return
        if key in keys_before:  # a key forged from another phone's post
            found("a forged key: 409", status == 409, sent)
            found("a forged key shows why", human_message(response), sent)
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
        found("a good post adds one post", after[0][0] == before[0][0] + 1, sent)
        found("... and its item", after[1][0] == before[1][0] + 1, sent)
        found("... and no vote", after[2] == before[2], sent)
        stored = Post.objects.filter(board=board, key=key).values_list("seat", "text").first()
        found("... as sent", stored == (room.phone.seat.pk, form.cleaned_data["text"]), sent)
        room.phone.accepted_keys.append(str(key))

    run()
    found.report("board post")
    assert found.statuses.total() >= EXAMPLES
    assert not found.counts, dict(found.counts)


# --- Voting ----------------------------------------------------------------------------


def read_votes(values: list[str]) -> dict[int, int] | None:
    """The dots a request asks for, or None when it cannot be read: 1 to 50 'item:dots'
    pairs in ASCII digits, an item id of at most 10 digits, dots in at most 2 digits."""
    if not 1 <= len(values) <= 50:
        return None
    wanted: dict[int, int] = {}
    for value in values:
        match = re.fullmatch(r"([0-9]{1,10}):([0-9]{1,2})", value)
        if match is None:
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


def item_ids(room: Room):
    """Items a phone may name: its board's (most), hidden, another board's, none at all."""
    elsewhere = [room.hidden, room.neighbour_item, room.stranger_item]
    missing = [room.votable[-1] + 10_000, 9_999_999_999]
    return st.sampled_from([*room.votable * 4, *elsewhere, *missing])


# Numbers too long for int() (Python refuses more than 4300 digits), spelled as dots or ids.
HUGE = ["9" * 5_000, "0" * 4_300 + "1", "1" * 4_301]
ODD_PAIRS = st.one_of(
    st.tuples(
        st.sampled_from(["0", "00", "-1", "99999999999", "2147483648", "", " 1", *HUGE]),
        st.sampled_from(["0", "1", "2"]),
    ),
    st.tuples(
        st.sampled_from(["1", "2"]),
        st.sampled_from(["99", "100", "-1", "", "1.0", " 1", "002", "٣", "²", "1_0"]),
    ),
    st.tuples(st.sampled_from(["1", "2", "0" * 10]), st.sampled_from(HUGE)),
    st.tuples(st.sampled_from(OTHER_DIGITS), st.sampled_from(["1", *OTHER_DIGITS])),
    st.tuples(st.integers(0, 2**40).map(str), st.integers(0, 10**6).map(str)),
    st.tuples(st.text(max_size=6), st.text(max_size=4)),
).map(":".join) | st.sampled_from(["1", "1:1:1", ":1", "1=1", "", "\x00", "1:1\x00", TEN_KB])


ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# ARABIC and SPACED stand for the request's first pair spelled so (see vote_pairs).
ODD_SET = {"set": ODD_PAIRS | st.sampled_from(["ARABIC", "SPACED"])}


def vote_examples(room: Room):
    good = st.builds("{}:{}".format, item_ids(room), st.integers(0, 4))
    return st.fixed_dictionaries(
        {
            "phase": st.sampled_from(["vote"] * 8 + PHASES),
            "budget": st.sampled_from([(3, 2), (3, 2), (3, 2), (2, 1), (5, 3), (1, 1)]),
            "target": TARGET,
            "pairs": st.lists(good.map(lambda pair: ("set", pair)), min_size=1, max_size=3),
            "changes": mutations({"set": None}, ODD_SET),
            # Now and then no pair at all, or more pairs than a request may carry.
            "whole": st.sampled_from([None] * 20 + ["none", "empty", "51 pairs"]),
            "how": HOW,
            "garbage": GARBAGE,
            "replay": REPLAY,
            "phone": PHONE,
            # A new phone may start with dots above today's limits (a merge, a lower budget).
            "start": st.dictionaries(
                st.sampled_from([*room.votable, room.hidden]), st.integers(1, 4), max_size=3
            ),
        }
    )


def vote_pairs(example: dict) -> list[tuple[str, str]]:
    first = example["pairs"][0][1]
    spelled = {"ARABIC": first.translate(ARABIC), "SPACED": first.replace(":", ": ")}
    pairs = mutate(example["pairs"], example["changes"])
    pairs = [(name, spelled.get(value, value)) for name, value in pairs]
    whole = {
        "none": [],
        "empty": [("set", "")],
        "51 pairs": [("set", f"{n}:0") for n in range(1, 52)],
    }
    extras = [(name, value) for name, value in pairs if name != "set"]
    return pairs if example["whole"] is None else whole[example["whole"]] + extras


@pytest.mark.django_db
def test_the_vote_endpoint_answers_bad_input_with_a_message_and_no_change(room):
    found = Findings()
    Board.objects.filter(pk=room.neighbour.pk).update(phase="vote")  # its item takes dots

    @BAD_INPUT
    @given(example=vote_examples(room))
    def run(example):
        if example["phone"] != "same":  # here any other phone is a new one
            room.phone = room.new_phone()
            for group, dots in example["start"].items():
                Vote.objects.create(
                    board=room.board, seat=room.phone.seat, group_id=group, dots=dots
                )
        per_seat, per_item = example["budget"]
        room.set_board(phase=example["phase"], dots_per_seat=per_seat, dots_per_item=per_item)
        url, board = room.url("board_vote", example["target"])
        if example["replay"] and room.last_body is not None:
            body = room.last_body
        else:
            body = Body(vote_pairs(example), example["how"], example["garbage"])
        room.last_body = body
        mine = Vote.objects.filter(seat=room.phone.seat, board=board)
        current = dict(mine.values_list("group_id", "dots"))
        before = snapshot()

        response = send(room.phone.client, url, body)

        status = response.status_code
        found.statuses[status] += 1
        phase = board.phase if board is not None else "-"
        sent = f"{status} {example['target']} board, {phase}, {body.how}: {short(body.pairs)}"
        after = snapshot()
        if not found("no 5xx", status < 500, f"{sent} {getattr(response, 'exc_info', '')}"):
            return
        if status >= 400:
            found("no row changed on a 4xx", after == before, sent)
        else:
            others = (after[0], after[1], after[3]) == (before[0], before[1], before[3])
            found("a vote changes votes only", others, sent)
        request = response.wsgi_request
        if carries_nul(request) or unreadable(body):
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


# --- Single requests the examples above found answered wrongly ------------------------------


@pytest.mark.django_db
def test_a_vote_with_a_number_too_long_for_int_is_a_400_not_a_500(room):
    """Python's int() refuses more than 4300 digits: the form must not ask it to."""
    room.set_board(phase="vote")
    url = reverse("board_vote", args=[room.board.pk])
    for dots in HUGE:
        before = snapshot()
        body = Body([("set", f"{room.votable[0]}:{dots}")], "urlencoded")
        response = send(room.phone.client, url, body)
        assert response.status_code == 400, dots[:10]
        assert human_message(response)
        assert snapshot() == before


@pytest.mark.django_db
def test_a_post_refused_outside_the_collect_phase_says_why(room):
    """The page shows the form's errors only while the board collects posts."""
    url = reverse("board_post", args=[room.board.pk])
    for phase in PHASES:
        room.set_board(phase=phase)
        before = snapshot()
        body = Body([("text", ""), ("key", str(uuid.uuid4()))], "urlencoded")
        response = send(room.phone.client, url, body)
        assert response.status_code in (409, 422), phase
        assert human_message(response), f"{response.status_code} in {phase}: no message"
        assert snapshot() == before
