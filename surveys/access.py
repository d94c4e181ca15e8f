"""Who may see or answer which round.

Staff reach rounds through the programme's access helpers. A phone reaches a round only
through its session: a room code it typed, or the personal link it opened.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.apps import apps
from django.db.models import FilteredRelation, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest

from programmes.access import PARTICIPANT_SESSION_KEY, session_participant
from programmes.compiled import CompiledQuery
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
    """One phone's standing in one round: how it got in, its draft, whether it is done.

    `draft_id` is the id the session keeps for the draft; `draft` is the row, once the
    phone has started (chosen where it works) and until it submits.
    """

    round: Round
    participant: Participant | None
    draft: Draft | None
    done: bool
    draft_id: str | None = None

    @property
    def state(self) -> dict:
        draft_id = str(self.draft.pk) if self.draft else self.draft_id
        return {"draft": draft_id, "done": self.done}


def admit(request: HttpRequest, round: Round) -> None:
    """Let this browser session answer the round (it came with the room code).

    The draft's id is drawn now, while the session is being written anyway: the draft made
    at the first POST takes it, and the session is not written again until the submit.
    """
    surveys = request.session.setdefault(SURVEY_SESSION_KEY, {})
    surveys.setdefault(str(round.pk), {"draft": str(uuid.uuid4()), "done": False})
    request.session.modified = True


def has_joined(request: HttpRequest) -> bool:
    """Whether this browser session was already let in, by a room code or a personal link.

    Only links that opened a participant are kept in the session (programmes.access).
    """
    return bool(
        request.session.get(SURVEY_SESSION_KEY) or request.session.get(PARTICIPANT_SESSION_KEY)
    )


# What a phone's pages read of the round and what it hangs on; the rest (the projector's
# figures, the published batches, a seminar's texts) is left in the database.
ROUND_FIELDS = (
    "title",
    "state",
    "wave",
    "seminar_id",
    "programme__organisation",
    "programme__title",
    "programme__language",
    "programme__min_group_size",
    "programme__status",
    "programme__survey_setup__instrument_id",
    "programme__survey_setup__pinned_at",
    "seminar__number",
    "seminar__programme_id",
)


def get_survey_session(
    request: HttpRequest, round_id: int, *, next_seminar: bool = False
) -> SurveySession:
    """The session's standing in an open round it was admitted to, or 404.

    One query reads the round, its programme, seminar and survey set-up, and the draft the
    session holds (a filtered join on the draft's id): every participant request makes it,
    so the ORM compiles it once per process (programmes.compiled). `next_seminar` adds the
    title and date of the programme's seminar after the round's (`round.next_seminar_title`,
    `round.next_seminar_date`), for the thank-you page.
    """
    entry = request.session.get(SURVEY_SESSION_KEY, {}).get(str(round_id))
    draft_id = _draft_id(entry)
    if draft_id is None:
        round = _SESSION_QUERIES[False, next_seminar].first(round_id)
    else:
        round = _SESSION_QUERIES[True, next_seminar].first(round_id, draft_id)
    if round is None:
        raise Http404
    participant = session_participant(request)
    if participant is not None and participant.programme_id != round.programme_id:
        participant = None
    if entry is None and participant is None:
        raise Http404
    if round.programme.is_archived:
        raise Http404
    draft = getattr(round, "own_draft", None)  # set only when the join found the draft
    if draft is not None:
        draft.round = round
    done = bool(entry.get("done")) if entry else False
    return SurveySession(round, participant, draft, done, str(draft_id) if draft_id else None)


def _session_query(*, with_draft: bool, next_seminar: bool) -> CompiledQuery:
    def build(round_id: int, draft_id: uuid.UUID | None = None):
        rounds = (
            Round.objects.select_related("programme__survey_setup", "seminar")
            .only(*ROUND_FIELDS)
            .order_by()  # one row by its key: the model's ordering would only cost joins
        )
        if next_seminar:
            rounds = rounds.annotate(**_next_seminar_fields())
        if with_draft:
            own = FilteredRelation("drafts", condition=Q(drafts__pk=draft_id))
            rounds = rounds.annotate(own_draft=own).select_related("own_draft")
        return rounds.filter(pk=round_id)[:1]

    fields, samples = [Round._meta.pk], [-424_242]
    if with_draft:
        fields.append(Draft._meta.pk)
        samples.append(uuid.UUID("5a3b1e00-0000-4000-8000-00000000d4af"))
    return CompiledQuery(build, fields=fields, samples=samples)


_SESSION_QUERIES = {
    (with_draft, next_seminar): _session_query(with_draft=with_draft, next_seminar=next_seminar)
    for with_draft in (False, True)
    for next_seminar in (False, True)
}


def _next_seminar_fields() -> dict:
    seminars = apps.get_model("seminars", "Seminar")  # surveys does not import seminars
    later = seminars.objects.filter(
        programme_id=OuterRef("programme_id"), number__gt=OuterRef("seminar__number")
    ).order_by("number")
    return {
        "next_seminar_title": Subquery(later.values("title")[:1]),
        "next_seminar_date": Subquery(later.values("date")[:1]),
    }


def _draft_id(entry: dict | None) -> uuid.UUID | None:
    """The draft id a session entry holds, if it holds a well-formed one."""
    try:
        return uuid.UUID(entry["draft"]) if entry and entry.get("draft") else None
    except (TypeError, ValueError):
        return None


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
