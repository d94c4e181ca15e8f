"""Bad input from phones on a board: a clear 4xx with a message, no row changed, never a 500.

One board, one room and a few phones are set up once per test; hypothesis then sends a few
hundred requests to the post and the vote endpoints with wrong types, out-of-range numbers,
unknown and foreign ids, unicode digits, duplicate keys, 10 kB strings, NUL bytes, invalid
UTF-8, missing fields, forged idempotency keys and replays, in several board phases.

For every answer the test works out from the request as the server parsed it what the
answer must be (a reference written here, not the app's own code, says which votes are
readable and what the dots become), and checks the status, the page's message and the rows
of Post, PostGroup, Vote and Seat before and after.
"""

from __future__ import annotations

import html
import re
import uuid
from collections import Counter
from urllib.parse import quote_plus, urlencode

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seminars import services
from seminars.forms import PostForm
from seminars.models import Activity, Board, Post, PostGroup, Seat, Vote
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

BAD_REQUEST_PAGE = "The request could not be understood"  # 400.html (NUL, unreadable body)
NOT_FOUND_PAGE = "Page not found"  # 404.html (no seat in that room, no such board)


# --- The room --------------------------------------------------------------------------------


class Room:
    """A board with items in every state a phone can meet, and the phone that sends."""

    def __init__(self, cast):
        programme = cast.programme
        self.programme = programme
        self.board = Board.objects.get(activity__seminar__programme=programme, kind="good_examples")
        set_phase(self.board, "collect", voting=True, dots_per_seat=3, dots_per_item=2)
        writer = phone(self.board)
        for text in ("Alpha", "Beta", "Gamma", "Delta", "Taken down"):
            assert write(writer, self.board, text).status_code == 302
        Post.objects.filter(text="Taken down").update(state=Post.State.HIDDEN)
        posts = Post.objects.filter(board=self.board)
        self.votable = list(posts.exclude(state="hidden").values_list("group_id", flat=True))
        self.hidden = posts.get(state="hidden").group_id
        self.others_keys = [str(key) for key in posts.values_list("key", flat=True)]
        seminar = self.board.activity.seminar
        # A second board in the same room (the phone's seat reaches it), not open yet.
        activity = Activity.objects.create(
            seminar=seminar, position=99, title="Second board", kind=Activity.Kind.BOARD
        )
        self.neighbour = Board.objects.create(activity=activity, kind="wins", voting=True)
        self.neighbour_item, self.neighbour_key = self._item_on(self.neighbour, writer)
        # A board of another workspace's programme: no seat there.
        self.stranger_board = Board.objects.get(
            activity__seminar__programme=cast.other_programme, kind="good_examples"
        )
        self.stranger_item, _key = self._item_on(self.stranger_board, None)
        self.own_units = [str(unit.pk) for unit in cast.units.values()]
        self.foreign_unit = str(cast.other_programme.units.get().pk)
        self.units = list(programme.units.order_by("name").values_list("pk", "name"))
        self.client = None
        self.seat = None
        self.new_phone()

    @staticmethod
    def _item_on(board, writer) -> tuple[int, str]:
        seminar = board.activity.seminar
        seat = Seat.objects.create(seminar=seminar, key=uuid.uuid4().hex)
        group = PostGroup.objects.create(board=board)
        key = uuid.uuid4()
        Post.objects.create(board=board, group=group, seat=seat, key=key, text="Elsewhere")
        return group.pk, str(key)

    def new_phone(self) -> None:
        """A phone that types the room code (the board must be open to phones for that)."""
        phase = self.board.phase
        set_phase(self.board, "collect")
        self.client = phone(self.board)
        self.client.raise_request_exception = False  # a 500 is an answer to count here
        seminar_id = self.board.activity.seminar_id
        key = self.client.session["seats"][str(seminar_id)]
        self.seat = Seat.objects.get(seminar_id=seminar_id, key=key)
        self.accepted_keys: list[str] = []
        self.last_body = None
        set_phase(self.board, phase)

    def url(self, name: str, target: str) -> tuple[str, Board | None]:
        """The endpoint on the board the example aims at, and that board if the phone has a
        seat in its room."""
        boards = {
            "own": self.board,
            "neighbour": self.neighbour,
            "stranger": self.stranger_board,
        }
        board = boards.get(target)
        board_id = board.pk if board is not None else {"missing": 2**31 - 1, "zero": 0}[target]
        reachable = board if target in ("own", "neighbour") else None
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
    """POST the fields: as multipart, as a urlencoded string, or as raw bytes with bytes
    that are no UTF-8 spliced in."""
    if how == "multipart":
        data: dict[str, list[str]] = {}
        for key, value in pairs:
            data.setdefault(key, []).append(value)
        return client.post(url, data)
    body = urlencode(pairs).encode()
    if how == "raw":
        parts = [quote_plus(key).encode() + b"=" + quote_plus(value).encode() for key, value in pairs]
        spliced = [part + garbage if n % 2 == 0 else part for n, part in enumerate(parts)]
        body = b"&".join(spliced or [garbage])
    return client.post(url, body, content_type=URLENCODED)


def carries_nul(request) -> bool:
    return any("\x00" in text for key, values in request.POST.lists() for text in (key, *values))


def page_of(response) -> str:
    return html.unescape(response.content.decode("utf-8", "replace"))


ALERT = re.compile(r'<div class="error-summary" role="alert">(.*?)</div>', re.DOTALL)


def assert_human_message(response) -> None:
    """The phone page's error summary is there and says something in words."""
    found = ALERT.findall(page_of(response))
    assert found, f"{response.status_code} without an error summary on the phone page"
    words = " ".join(re.sub(r"<[^>]+>", " ", block) for block in found)
    assert re.search(r"[A-Za-z]{3,}.*[A-Za-z]{3,}", words), words


def report(name: str, statuses: Counter) -> None:
    histogram = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
    print(f"\n{name}: {sum(statuses.values())} examples; status histogram {{{histogram}}}")


# --- Strategies --------------------------------------------------------------------------

GARBAGE = st.sampled_from(
    [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"%FF%FE", b"%C3%28", b""]
)
HOW = st.sampled_from(["multipart", "urlencoded", "raw"])
TARGET = st.one_of(st.just("own"), st.sampled_from(["neighbour", "stranger", "missing", "zero"]))
# Mostly the board's own phase for the endpoint; every other phase as well.
FIELD_NAMES = st.one_of(
    st.sampled_from(["csrfmiddlewaretoken", "nav", "text[]", "SET", "set ", "key2", "id", ""]),
    st.text(max_size=20),
    st.just("k" * 10_000),
    st.just("x\x00"),
)
ODD_VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "0", "-1", "1.0", "1e3", "0x1", "null", "[]", "\x00", "1\x00"]),
    st.sampled_from(OTHER_DIGITS),
    st.just(TEN_KB),
    st.just("9" * 5_000),
)
EXTRAS = st.lists(st.tuples(FIELD_NAMES, ODD_VALUES), max_size=3)


def field(values):
    """A field left out, sent once, or sent two or three times (duplicate keys)."""
    return st.one_of(
        st.lists(values, min_size=1, max_size=1),
        st.just([]),
        st.lists(values, min_size=2, max_size=3),
    )


TEXTS = st.one_of(
    st.sampled_from(
        [
            "A colleague covered my shift",
            "  Spaces all around  ",
            "Ærø østers på én tallerken",
            "Participant 3 always helps",  # a name on the participant list: held for review
            "Mail me at bo@example.dk",
            "y" * 500,
            "y" * 501,
            " \t\r\n",
            "",
            "two\x00parts",
        ]
    ),
    st.text(max_size=600),
    st.just(TEN_KB),
)
# "REPLAY", "FORGED" and "NEIGHBOUR" are placeholders for keys the room knows.
KEYS = st.one_of(
    st.uuids().map(str),
    st.sampled_from(["REPLAY", "FORGED", "NEIGHBOUR"]),
    st.uuids().map(lambda key: key.hex.upper()),
    st.uuids().map(lambda key: f"{{{key}}}"),
    st.uuids().map(lambda key: f"urn:uuid:{key}"),
    st.uuids().map(lambda key: str(key)[:-1]),
    st.uuids().map(lambda key: f"{key}\x00"),
    st.sampled_from(["", "0", "-1", "00000000-0000-0000-0000-000000000000", "١" * 32, TEN_KB]),
    st.text(max_size=40),
)
UNITS = st.one_of(
    st.sampled_from(["", "OWN", "FOREIGN", "0", "-1", "2147483648", "9" * 30, "1.0", " 1"]),
    st.sampled_from(OTHER_DIGITS),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.text(max_size=12),
)
COLUMNS = st.one_of(st.sampled_from(["works", "hard", "", "WORKS", "both"]), st.text(max_size=8))


@st.composite
def post_examples(draw):
    return {
        "phase": draw(st.one_of(st.just("collect"), st.sampled_from(PHASES))),
        "kind": draw(st.sampled_from(["good_examples", "now_picture"])),
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
        "replay": draw(st.sampled_from([False, False, False, True])),
        "new_phone": draw(st.sampled_from([False] * 9 + [True])),
    }


# --- Posting ---------------------------------------------------------------------------


def post_pairs(room: Room, example: dict) -> list[tuple[str, str]]:
    placeholders = {
        "REPLAY": (room.accepted_keys or room.others_keys)[-1],
        "FORGED": room.others_keys[0],
        "NEIGHBOUR": room.neighbour_key,
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
    statuses: Counter = Counter()

    @BAD_INPUT
    @given(example=post_examples())
    def run(example):
        if example["new_phone"] or room.client is None:
            room.new_phone()
        set_phase(room.board, example["phase"], kind=example["kind"])
        Board.objects.filter(pk=room.board.pk).update(review_first=example["review_first"])
        room.board.refresh_from_db()
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

        statuses[response.status_code] += 1
        assert response.status_code < 500, (pairs, how, getattr(response, "exc_info", None))
        after = snapshot()
        if response.status_code >= 400:
            assert after == before, "a refused post changed rows"
        request = response.wsgi_request
        if carries_nul(request):
            assert response.status_code == 400
            assert BAD_REQUEST_PAGE in page_of(response)
            return
        if board is None:
            assert response.status_code == 404
            assert NOT_FOUND_PAGE in page_of(response)
            return
        board.refresh_from_db()
        form = PostForm(request.POST, board=board, units=room.units)
        if not form.is_valid():
            assert response.status_code == 422
            assert_human_message(response)
            return
        key = form.cleaned_data["key"]
        if key in keys_before:  # a resend, or a key forged from another phone's post
            assert response.status_code == 302
            assert after[:3] == before[:3], "a resent key stored something"
            return
        if board.phase != Board.Phase.COLLECT:
            assert response.status_code == 409
            assert_human_message(response)
            return
        if own_posts >= services.POSTS_PER_SEAT:
            assert response.status_code == 429
            assert_human_message(response)
            return
        assert response.status_code == 302
        added = Post.objects.filter(board=board).exclude(key__in=keys_before)
        assert len(added) == 1
        assert len(after[0]) == len(before[0]) + 1
        assert len(after[1]) == len(before[1]) + 1  # the post's own item
        assert after[2] == before[2]  # no votes
        assert (added[0].seat_id, added[0].text) == (room.seat.pk, form.cleaned_data["text"])
        room.accepted_keys.append(str(key))

    run()
    report("board post", statuses)
    assert sum(statuses.values()) >= EXAMPLES
    assert not [status for status in statuses if status >= 500]


# --- Voting ----------------------------------------------------------------------------


def read_votes(values: list[str]) -> dict[int, int] | None:
    """The dots a request asks for, or None when it cannot be read: 1 to 50 'item:dots'
    pairs, both ASCII digits, an item id of at most 10 digits and at most 99 dots."""
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
    spelled = own.map(lambda pk: str(pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")))
    return st.one_of(
        own.map(str),
        own.map(str),
        st.sampled_from([room.hidden, room.neighbour_item, room.stranger_item]).map(str),
        st.sampled_from(["0", "00", "-1", "9999999999", "99999999999", "2147483648"]),
        st.sampled_from([str(room.votable[0] + 10_000), f" {room.votable[0]}", ""]),
        spelled,
        st.sampled_from(OTHER_DIGITS),
        st.integers(min_value=0, max_value=2**40).map(str),
        st.text(max_size=6),
    )


DOT_TOKENS = st.one_of(
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
    pairs = st.lists(vote_pair(room), max_size=4)
    many = st.just([f"{n}:0" for n in range(60)])
    return {
        "phase": draw(st.one_of(st.just("vote"), st.sampled_from(PHASES))),
        "budget": draw(st.sampled_from([(3, 2), (3, 2), (3, 2), (2, 1), (5, 3), (1, 1)])),
        "target": draw(TARGET),
        "set": draw(st.one_of(pairs, pairs, st.lists(st.just(""), max_size=1), many)),
        "extras": draw(EXTRAS),
        "how": draw(HOW),
        "garbage": draw(GARBAGE),
        "replay": draw(st.sampled_from([False, False, False, True])),
        "new_phone": draw(st.sampled_from([False] * 9 + [True])),
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
    statuses: Counter = Counter()
    Board.objects.filter(pk=room.neighbour.pk).update(phase="vote")  # still no votes there

    @BAD_INPUT
    @given(example=vote_examples(room))
    def run(example):
        if example["new_phone"] or room.client is None:
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
        mine = Vote.objects.filter(seat=room.seat)
        current = dict(mine.filter(board=board).values_list("group_id", "dots"))
        before = snapshot()

        response = send(room.client, url, pairs, how, garbage)

        statuses[response.status_code] += 1
        assert response.status_code < 500, (pairs, how, getattr(response, "exc_info", None))
        after = snapshot()
        if response.status_code >= 400:
            assert after == before, "a refused vote changed rows"
        else:
            assert after[:2] == before[:2] and after[3] == before[3]  # only votes change
        request = response.wsgi_request
        if carries_nul(request):
            assert response.status_code == 400
            assert BAD_REQUEST_PAGE in page_of(response)
            return
        if board is None:
            assert response.status_code == 404
            assert NOT_FOUND_PAGE in page_of(response)
            return
        wanted = read_votes(request.POST.getlist("set"))
        if wanted is None:
            assert response.status_code == 400
            assert_human_message(response)
            return
        board.refresh_from_db()
        items = set(PostGroup.objects.filter(board=board).values_list("pk", flat=True))
        shown = PostGroup.objects.filter(board=board, posts__state=Post.State.VISIBLE)
        votable = set(shown.values_list("pk", flat=True))
        raised = {item for item, dots in wanted.items() if dots > current.get(item, 0)}
        expected = dots_after(current, wanted, board.dots_per_seat, board.dots_per_item)
        refused = (
            board.phase != Board.Phase.VOTE
            or not set(wanted) <= items
            or not raised <= votable
            or expected is None
        )
        if refused:
            assert response.status_code == 409
            assert_human_message(response)
            return
        assert response.status_code == 302
        now = dict(mine.filter(board=board).values_list("group_id", "dots"))
        assert now == expected
        if raised:  # whatever was added keeps within the budget and the item limit
            assert sum(now.values()) <= board.dots_per_seat
            assert all(now[item] <= board.dots_per_item for item in raised)
        else:
            assert sum(now.values()) <= sum(current.values())

    run()
    report("board vote", statuses)
    assert sum(statuses.values()) >= EXAMPLES
    assert not [status for status in statuses if status >= 500]
