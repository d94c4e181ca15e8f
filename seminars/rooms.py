"""The room: where a code leads, and what is open in it now, for phones and the projector.

A room is a seminar's, or a round's held outside seminars. The views only speak HTTP (rate
limits, templates); the answers are here, as frozen data.

What a phone can enter in a seminar's room comes from a registry of providers, one per kind
of activity, filled in from AppConfig.ready(): seminars asks the registry and never imports
the apps that plug in (actionplans imports seminars, not the other way round). The survey's
provider is registered by seminars itself, since surveys must not import seminars.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse

from seminars.models import Seminar
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


Provider = Callable[[Seminar], Opening | None]

_providers: dict[str, Provider] = {}


def register(kind: str, provider: Provider) -> None:
    """Let an app answer what of its kind is open in a seminar's room (from its ready())."""
    _providers[kind] = provider


def provider(kind: str) -> Provider | None:
    return _providers.get(kind)


def open_now(seminar: Seminar) -> Opening | None:
    """What a phone entering the seminar's room is sent to: the first provider's opening."""
    for ask in _providers.values():
        opening = ask(seminar)
        if opening is not None:
            return opening
    return None


@dataclass(frozen=True)
class Room:
    """Where a code leads: a seminar's room (or a lone round's, seminar None) and its opening."""

    code: str
    seminar: Seminar | None
    opening: Opening


def find_room(code: str) -> Room | None:
    """The room a typed or scanned code leads to, if something in it is open to phones."""
    code = normalise_room_code(code)
    if len(code) != ROOM_CODE_LENGTH:
        return None
    seminar = Seminar.objects.select_related("programme").filter(room_code=code).first()
    if seminar is not None:
        opening = open_now(seminar) if not seminar.programme.is_archived else None
        return Room(code, seminar, opening) if opening is not None else None
    round = find_open_round(code)  # a round held outside seminars is a room of its own
    if round is None or round.programme.is_archived:
        return None
    return Room(code, None, round_opening(round))


def enter(request: HttpRequest, room: Room) -> str:
    """Let this phone in to what is open in the room; the URL to send it to."""
    room.opening.admit(request)
    return room.opening.url


# --- The survey round open in a room ------------------------------------------------------


def round_opening(round: Round) -> Opening:
    """An open round: the phone's session is admitted to it and starts the survey."""

    def let_in(request: HttpRequest) -> None:
        admit(request, round)

    return Opening("survey", reverse("survey_start", args=[round.pk]), let_in)


def open_survey(seminar: Seminar) -> Opening | None:
    """The seminar's open round, if any (the survey app's provider)."""
    rounds = Round.objects.open().select_related("programme", "seminar")
    round = rounds.filter(seminar=seminar).first()
    return round_opening(round) if round is not None else None


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
