"""The room: where a code leads, and what is open in it now, for phones and the projector.

A room is a seminar's, or a round's held outside seminars. The views only speak HTTP (rate
limits, templates); the answers are here, as frozen data.

What a phone can enter in a seminar's room comes from a registry of providers, one per kind
of activity, filled in from AppConfig.ready(): seminars asks the registry and never imports
the apps that plug in (actionplans imports seminars, not the other way round). The survey's
provider is registered by seminars itself, since surveys must not import seminars.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import salted_hmac

from programmes.access import PARTICIPANT_SESSION_KEY, session_participant
from programmes.compiled import CompiledQuery
from seminars import schedule
from seminars.models import Board, GroupWork, Seat, Seminar, Session, Wall
from seminars.services import documentation_token
from surveys.access import admit
from surveys.live import LiveState, live_state
from surveys.models import ROOM_CODE_LENGTH, Round, normalise_room_code
from surveys.services import find_open_round

Stage = Literal["idle", "joining", "results"]


@dataclass(frozen=True)
class Opening:
    """Something open for phones in a room: where a phone goes, and how it is let in."""

    kind: str
    url: str
    admit: Callable[[HttpRequest], None]
    title: str = ""
    first: bool = False  # what the wall presents now: listed before the rest


Provider = Callable[[Seminar], Iterable[Opening]]
# Whether anything of a kind may be open in the seminar (OuterRef("pk")): an expression the
# room code's query reads with the seminar, so that a kind with nothing open costs no query.
AnyOpen = Callable[[], Exists]

_providers: dict[str, Provider] = {}
_any_open: dict[str, AnyOpen] = {}


def register(kind: str, provider: Provider, *, any_open: AnyOpen | None = None) -> None:
    """Let an app answer what of its kind is open in a seminar's room (from its ready()).

    `any_open` builds an EXISTS over the app's rows for the seminar `OuterRef("pk")`, true
    whenever the provider may return something (it may be broader, never narrower): a phone
    entering by the seminar's code then asks only the providers whose flag is true.
    """
    _providers[kind] = provider
    if any_open is None:
        _any_open.pop(kind, None)  # asked on every entry
    else:
        _any_open[kind] = any_open


def provider(kind: str) -> Provider | None:
    return _providers.get(kind)


def openings_for(
    kind: str, rows, url_name: str, *, on_wall: Callable[[object], bool] = lambda row: False
) -> list[Opening]:
    """Openings for agenda rows an app runs (a board, group work, an evaluation): each needs
    only the seat the room gives the phone, and is named after its activity."""
    return [
        Opening(
            kind,
            reverse(url_name, args=[row.pk]),
            _seat_is_enough,
            title=row.activity.title,
            first=on_wall(row),
        )
        for row in rows
    ]


def _seat_is_enough(request: HttpRequest) -> None:
    """Nothing more to admit: `enter` has already given the phone its seat."""


def open_now(seminar: Seminar) -> list[Opening]:
    """Everything a phone entering the seminar's room may go to, what the wall shows first.

    A seminar read by `_seminar_of_code` carries each kind's `any_open` flag; a kind whose
    flag is false is not asked. Any other seminar asks every provider.
    """
    openings = [
        opening
        for kind, ask in _providers.items()
        if getattr(seminar, _flag(kind), True)
        for opening in ask(seminar)
    ]
    return sorted(openings, key=lambda opening: not opening.first)


def _flag(kind: str) -> str:
    return f"any_{kind}_open"


@dataclass(frozen=True)
class Document:
    """A seminar's released documentation, as the room shows it to phones."""

    title: str
    url: str


@dataclass(frozen=True)
class Room:
    """Where a code leads: a seminar's room (or a lone round's, seminar None), what is open,
    and the programme's released documentation so far.

    A room with nothing open but documentation to read still opens (the phone reads it; with
    one thing open, the phone goes straight to it and the documentation waits for the room's
    page); `over` says the code is a seminar's that has ended, so the phone is told so.
    """

    code: str
    seminar: Seminar | None
    openings: tuple[Opening, ...]
    documents: tuple[Document, ...] = ()
    over: bool = False

    @property
    def opening(self) -> Opening:
        return self.openings[0]


def find_room(code: str) -> Room | None:
    """The room a typed or scanned code leads to (a seminar's, one of its sittings', or a
    lone round's), if something in it is open to phones or the seminar has ended."""
    code = normalise_room_code(code)
    if len(code) != ROOM_CODE_LENGTH:
        return None
    seminar = _seminar_of_code(code)
    if seminar is not None:
        if seminar.programme.is_archived:
            return None
        if schedule.is_over(seminar):
            return Room(code, seminar, (), over=True)
        openings = tuple(open_now(seminar))
        if len(openings) == 1:  # the phone goes straight to it: no room page to list documents
            return Room(code, seminar, openings)
        documents = tuple(documents_for(seminar))
        return Room(code, seminar, openings, documents) if openings or documents else None
    round = find_open_round(code)  # a round held outside seminars is a room of its own
    if round is None or round.programme.is_archived:
        return None
    return Room(code, None, (round_opening(round),))


def _seminar_of_code(code: str) -> Seminar | None:
    """The seminar whose room code, or whose sitting's room code, this is."""
    seminar = _room_query().first(code)
    if seminar is None:
        sitting = (
            Session.objects.select_related("seminar__programme", "seminar__wall_board")
            .filter(room_code=code)
            .first()
        )
        seminar = sitting.seminar if sitting is not None else None
    return seminar


# The room code's query, per set of registered flags: every phone in the room sends it when
# it scans the code, and building it in the ORM (two subqueries and an EXISTS per kind) was
# more than half of that request's CPU, so each process compiles it once.
_room_queries: dict[tuple, CompiledQuery] = {}


def _room_query() -> CompiledQuery:
    """The seminar with this room code, its open round and each kind's `any_open` flag."""
    flags = tuple(_any_open.items())
    query = _room_queries.get(flags)
    if query is None:

        def build(code: str):
            open_rounds = Round.objects.open().filter(seminar=OuterRef("pk")).order_by("pk")
            return (
                Seminar.objects.select_related("programme", "wall_board")
                .annotate(
                    open_round_id=Subquery(open_rounds.values("pk")[:1]),
                    open_round_title=Subquery(open_rounds.values("title")[:1]),
                    **{_flag(kind): any_open() for kind, any_open in flags},
                )
                .filter(room_code=code)
                .order_by()[:1]  # the code is unique among seminars
            )

        query = CompiledQuery(
            build, fields=[Seminar._meta.get_field("room_code")], samples=["(sample)"]
        )
        _room_queries[flags] = query
    return query


def documents_for(seminar: Seminar) -> list[Document]:
    """The released documentation of this seminar and the programme's earlier ones."""
    released = (
        Seminar.objects.filter(programme_id=seminar.programme_id, number__lte=seminar.number)
        .exclude(documentation_token_hash="")
        .exclude(documentation_nonce="")
        .order_by("number")
    )
    return [
        Document(str(row), reverse("documentation_shared", args=[documentation_token(row)]))
        for row in released
    ]


def enter(request: HttpRequest, room: Room) -> str | None:
    """Let this phone in to what is open in the room: a seat, and each opening's admission.

    Returns the URL to send the phone to, or None when several things are open and the
    phone chooses (the caller lists `room.openings`).
    """
    if room.over:
        return None
    if room.seminar is not None:
        take_seat(request, room.seminar)
    for opening in room.openings:
        opening.admit(request)
    return room.opening.url if len(room.openings) == 1 else None


# --- Seats --------------------------------------------------------------------------------

SEATS_SESSION_KEY = "seats"  # seminar id -> this phone's seat key in that room


@dataclass(frozen=True)
class SeatKey:
    value: str
    drawn: bool  # just drawn at random: nobody has a seat with it yet


def seat_key(request: HttpRequest, seminar: Seminar) -> SeatKey:
    """The key of this phone's seat: a keyed hash for a personal link, else random."""
    known = request.session.get(SEATS_SESSION_KEY, {}).get(str(seminar.pk))
    if known:
        return SeatKey(known, drawn=False)
    participant = session_participant(request)
    if participant is not None and participant.programme_id == seminar.programme_id:
        # One seat per person on any phone; the secret key is needed to link it back.
        link = request.session[PARTICIPANT_SESSION_KEY]
        return SeatKey(salted_hmac("seminars.seat", f"{link}:{seminar.pk}").hexdigest(), False)
    return SeatKey(secrets.token_hex(16), drawn=True)


def take_seat(request: HttpRequest, seminar: Seminar) -> Seat:
    """This phone's seat in the seminar's room, made when it first enters.

    A key drawn just now is nobody's, so its seat is simply inserted (one statement instead
    of a look-up and an insert in a transaction); a kept key or a link's may have its seat.
    """
    key = seat_key(request, seminar)
    language = translation.get_language() or ""
    if key.drawn:
        seat = Seat.objects.create(seminar=seminar, key=key.value, language=language)
    else:
        seat, _created = Seat.objects.get_or_create(
            seminar=seminar, key=key.value, defaults={"language": language}
        )
    request.session.setdefault(SEATS_SESSION_KEY, {})[str(seminar.pk)] = key.value
    request.session.modified = True
    return seat


def session_seat(request: HttpRequest, seminar_id: int) -> Seat | None:
    """The seat this phone took in the seminar's room, if it entered it."""
    key = request.session.get(SEATS_SESSION_KEY, {}).get(str(seminar_id))
    if not key:
        return None
    return Seat.objects.filter(seminar_id=seminar_id, key=key).first()


# --- The survey round open in a room ------------------------------------------------------


def round_opening(round: Round) -> Opening:
    """An open round: the phone's session is admitted to it and starts the survey."""

    def let_in(request: HttpRequest) -> None:
        admit(request, round)

    url = reverse("survey_start", args=[round.pk])
    return Opening("survey", url, let_in, title=round.title, first=_is_on_wall(round))


def _is_on_wall(round: Round) -> bool:
    seminar = round.seminar
    return seminar is not None and seminar.wall == Wall.ROOM


def open_survey(seminar: Seminar) -> list[Opening]:
    """The seminar's open round, if any (the survey app's provider).

    A seminar found by its own room code carries its open round's id and title already
    (`_seminar_of_code` reads them with it), which is all a phone entering needs.
    """
    if hasattr(seminar, "open_round_id"):
        if seminar.open_round_id is None:
            return []
        round = Round(
            pk=seminar.open_round_id,
            title=seminar.open_round_title,
            programme_id=seminar.programme_id,
            seminar=seminar,
            state=Round.State.OPEN,
        )
        return [round_opening(round)]
    rounds = Round.objects.open().select_related("programme", "seminar")
    return [round_opening(round) for round in rounds.filter(seminar=seminar)[:1]]


# --- The projector ------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomNow:
    """What the wall shows: the round (open, else the last closed) and its live state."""

    seminar: Seminar
    round: Round | None
    state: LiveState | None
    version: str  # changes whenever anything on the wall would change
    stage: Stage


def room_now(seminar: Seminar) -> RoomNow:
    """The seminar's room now, as the projector shows it."""
    rounds = seminar.rounds.select_related("programme")
    round = rounds.filter(state="open").first() or (
        rounds.filter(state="closed").order_by("-pk").first()
    )
    state = live_state(round) if round is not None else None
    version = f"{round.pk}-{state.version}" if round is not None else "none"
    return RoomNow(seminar, round, state, version, _stage(round, state))


def _stage(round: Round | None, state: LiveState | None) -> Stage:
    """Which layout the wall shows: nothing open, people joining, or the room's figures."""
    if round is None:
        return "idle"
    return "results" if state.figures else "joining"


@dataclass(frozen=True)
class WallContent:
    """What an app draws on the wall for one of its agenda rows: a template and its data,
    with a version that changes whenever the drawing would."""

    version: str
    template: str
    context: dict


WallProvider = Callable[[object], WallContent]
_walls: dict[str, WallProvider] = {}


def register_wall(kind: str, provider: WallProvider) -> None:
    """Let an app draw the wall for its agenda rows (from its ready())."""
    _walls[kind] = provider


@dataclass(frozen=True)
class WallNow:
    """What the wall presents (the room, a board, or the change) and its version.

    The version of a board's wall comes from the seminar's row alone (the display link's
    lookup selects the board and counts the seats), so an unchanged poll costs one query.
    """

    kind: str
    version: str
    room: RoomNow | None = None
    board: Board | None = None
    work: GroupWork | None = None
    content: WallContent | None = None


def wall_now(seminar: Seminar) -> WallNow:
    board = seminar.wall_board
    if seminar.wall == Wall.BOARD and board is not None:
        seats = getattr(seminar, "seat_count", None)
        if seats is None:
            seats = seminar.seats.count()
        return WallNow(Wall.BOARD, f"b{seminar.wall_version}-{board.version}-{seats}", board=board)
    work = seminar.wall_group_work
    if seminar.wall == Wall.GROUPS and work is not None:
        return WallNow(Wall.GROUPS, f"g{seminar.wall_version}-{work.version}", work=work)
    draw = _walls.get(seminar.wall)
    if draw is not None and seminar.wall_activity_id is not None:
        content = draw(seminar.wall_activity)
        return WallNow(seminar.wall, f"a{seminar.wall_version}-{content.version}", content=content)
    if seminar.wall == Wall.CHANGE:
        closed = seminar.programme.rounds.filter(state=Round.State.CLOSED).count()
        return WallNow(Wall.CHANGE, f"c{seminar.wall_version}-{closed}")
    now = room_now(seminar)
    return WallNow(Wall.ROOM, f"r{seminar.wall_version}-{now.version}", room=now)
