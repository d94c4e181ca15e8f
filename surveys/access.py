"""Who may see or answer which round.

Staff reach rounds through the programme's access helpers. A phone reaches a round only
through its session: a room code it typed, or the personal link it opened.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404, HttpRequest

from programmes.access import PARTICIPANT_SESSION_KEY, session_participant
from programmes.models import Participant, Programme, Workspace
from surveys.models import Draft, Event, Instrument, Item, Round

SURVEY_SESSION_KEY = "surveys"


def get_round(programme: Programme, round_id: int) -> Round:
    """A round of a programme the caller has already been given access to."""
    try:
        return Round.objects.select_related("seminar").get(pk=round_id, programme=programme)
    except Round.DoesNotExist:
        raise Http404 from None


@dataclass
class SurveySession:
    """One phone's standing in one round: how it got in, its draft, whether it is done."""

    round: Round
    participant: Participant | None
    draft: Draft | None
    done: bool

    @property
    def state(self) -> dict:
        return {"draft": str(self.draft.pk) if self.draft else None, "done": self.done}


def admit(request: HttpRequest, round: Round) -> None:
    """Let this browser session answer the round (it came with the room code)."""
    surveys = request.session.setdefault(SURVEY_SESSION_KEY, {})
    surveys.setdefault(str(round.pk), {"draft": None, "done": False})
    request.session.modified = True


def has_joined(request: HttpRequest) -> bool:
    """Whether this browser session was already let in, by a room code or a personal link.

    Only links that opened a participant are kept in the session (programmes.access).
    """
    return bool(
        request.session.get(SURVEY_SESSION_KEY) or request.session.get(PARTICIPANT_SESSION_KEY)
    )


def get_survey_session(request: HttpRequest, round_id: int) -> SurveySession:
    """The session's standing in an open round it was admitted to, or 404."""
    round = Round.objects.select_related("programme", "seminar").filter(pk=round_id).first()
    if round is None:
        raise Http404
    participant = session_participant(request)
    if participant is not None and participant.programme_id != round.programme_id:
        participant = None
    entry = request.session.get(SURVEY_SESSION_KEY, {}).get(str(round.pk))
    if entry is None and participant is None:
        raise Http404
    if round.programme.is_archived:
        raise Http404
    entry = entry or {"draft": None, "done": False}
    draft = None
    if entry.get("draft"):
        draft = Draft.objects.filter(pk=entry["draft"], round=round).first()
    return SurveySession(round, participant, draft, bool(entry.get("done")))


def remember(request: HttpRequest, survey: SurveySession) -> None:
    request.session.setdefault(SURVEY_SESSION_KEY, {})[str(survey.round.pk)] = survey.state
    request.session.modified = True


def get_instrument_for_facilitator(user, instrument_id: int) -> Instrument:
    """A shipped instrument, or one of the user's workspaces' own versions, or 404."""
    if not user.is_authenticated or not user.is_active:
        raise Http404
    workspaces = Workspace.objects.filter(memberships__user=user)
    if not workspaces.exists():
        raise Http404
    instrument = (
        Instrument.objects.filter(Q(workspace__isnull=True) | Q(workspace__in=workspaces))
        .select_related("workspace")
        .filter(pk=instrument_id)
        .first()
    )
    if instrument is None:
        raise Http404
    return instrument


def get_editable_instrument(user, instrument_id: int) -> Instrument:
    """An instrument the user may change: their workspace's own, and not yet pinned."""
    instrument = get_instrument_for_facilitator(user, instrument_id)
    if instrument.workspace_id is None:
        raise Http404
    if instrument.is_locked:
        raise Http404
    return instrument


def get_item(instrument: Instrument, item_id: int) -> Item:
    try:
        return Item.objects.get(pk=item_id, instrument=instrument)
    except Item.DoesNotExist:
        raise Http404 from None


def get_event(programme: Programme, event_id: int) -> Event:
    try:
        return Event.objects.get(pk=event_id, programme=programme)
    except Event.DoesNotExist:
        raise Http404 from None
