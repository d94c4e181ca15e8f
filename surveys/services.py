"""Survey operations: set-up, opening and closing rounds, drafts and anonymous submission.

Submission writes two things in two separate transactions, in this order:

1. the "has answered" mark (Participation) together with the draft's "submitting" flag;
2. the Response with its answers, and the draft is deleted.

Separate transactions give the two rows different PostgreSQL transaction ids (xmin), so
the database cannot join them. The order keeps both promises: nobody answers twice (the
unique Participation is taken first), and nothing acknowledged is lost (the thank-you page
comes only after step 2; a crash between the steps leaves the draft flagged, and the retry
with the same idempotency key completes step 2).
"""

from __future__ import annotations

import functools
import uuid
from contextlib import nullcontext
from dataclasses import dataclass

from django.apps import apps
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import Q
from django.utils import timezone

from programmes.compiled import CompiledQuery
from programmes.models import Participant, Programme, Unit
from surveys import scoring
from surveys.item_bank import STANDARD_NAME, STANDARD_V1
from surveys.models import (
    ROOM_CODE_LENGTH,
    Answer,
    Draft,
    Instrument,
    Item,
    Participation,
    Response,
    Round,
    SurveySetup,
    new_room_code,
)

DONT_KNOW = "dk"


class SurveyError(Exception):
    """A rule the respondent or facilitator broke; the message is safe to show."""


class AlreadyAnswered(SurveyError):
    """This participant's link has already been used to answer this round."""


class RoundClosed(SurveyError):
    """The round closed before the answers were sent; its drafts went with it."""


class NoUnitChosen(SurveyError):
    """The draft has no unit yet, so the response could not be grouped."""


class NothingToSubmit(SurveyError):
    """Neither a draft nor a stored response matches the key: a stale or forged form."""


class NoQuestions(SurveyError):
    """The programme has no questions chosen."""


@transaction.atomic
def standard_instrument() -> Instrument:
    """The shipped instrument (a data migration creates it; recreated if ever missing)."""
    instrument = (
        Instrument.objects.filter(workspace__isnull=True, name=STANDARD_NAME)
        .order_by("-version")
        .first()
    )
    if instrument is None:
        instrument = Instrument.objects.create(workspace=None, name=STANDARD_NAME, version=1)
        Item.objects.bulk_create(
            Item(
                instrument=instrument,
                key=entry["key"],
                subdimension=entry["subdimension"],
                text_da=entry["da"],
                text_sv=entry["sv"],
                text_en=entry["en"],
                allow_dont_know=entry["allow_dont_know"],
                core=entry["core"],
                position=position,
            )
            for position, entry in enumerate(STANDARD_V1)
        )
    return instrument


@transaction.atomic
def get_or_create_setup(*, programme: Programme) -> SurveySetup:
    """The programme's survey set-up; new ones start with the standard core items."""
    setup = SurveySetup.objects.filter(programme=programme).first()
    if setup is None:
        instrument = standard_instrument()
        setup = SurveySetup.objects.create(programme=programme, instrument=instrument)
        setup.items.set(instrument.items.filter(core=True))
    return setup


def survey_items(programme: Programme) -> list[Item]:
    """The items a programme's rounds ask, in order (none before its set-up exists)."""
    setup = SurveySetup.objects.filter(programme=programme).first()
    return list(setup.items.order_by("position", "pk")) if setup else []


def round_items(round: Round) -> list[Item]:
    """The items an open round asks, in order, read once per worker.

    Opening a round pins its programme's set-up, and a pinned set-up's items and their texts
    never change (the set-up and instrument views refuse it), so each worker keeps them
    after its first read, keyed by the set-up and the moment it was pinned. Nothing another
    worker needs is kept: each reads its own copy. An unpinned set-up (a preview, a round
    not yet opened) is read each time. Pass a round read with
    select_related("programme__survey_setup") to spare the set-up's query.
    """
    try:
        setup = round.programme.survey_setup
    except SurveySetup.DoesNotExist:
        return []
    if setup.pinned_at is None:
        return list(setup.items.order_by("position", "pk"))
    return list(_pinned_items(setup.pk, setup.pinned_at))


@functools.lru_cache(maxsize=64)
def _pinned_items(setup_id: int, pinned_at) -> tuple[Item, ...]:
    items = SurveySetup.items.through.objects.filter(surveysetup_id=setup_id)
    return tuple(Item.objects.filter(pk__in=items.values("item_id")).order_by("position", "pk"))


def unused_room_code() -> str:
    """A code no room has, a seminar's, a seminar sitting's or a lone round's (the seminars'
    models are looked up by name: surveys does not import seminars)."""
    for _attempt in range(20):
        code = new_room_code()
        taken = (
            Round.objects.filter(room_code=code).exists()
            or apps.get_model("seminars", "Seminar").objects.filter(room_code=code).exists()
            or apps.get_model("seminars", "Session").objects.filter(room_code=code).exists()
        )
        if not taken:
            return code
    raise RuntimeError("no free room code")  # 2^30 codes: practically unreachable


@transaction.atomic
def open_round(*, round: Round) -> Round:
    """Open a round: pin the programme's instrument and items, and give its room a code."""
    round = Round.objects.select_for_update().get(pk=round.pk)
    setup = get_or_create_setup(programme=round.programme)
    if setup.pinned_at is None:
        setup.pinned_at = timezone.now()
        setup.save(update_fields=["pinned_at"])
    if round.seminar_id is not None:
        seminar = round.seminar
        if not seminar.room_code:
            seminar.room_code = unused_room_code()
            seminar.save(update_fields=["room_code"])
        round.room_code = ""
    elif not round.room_code:
        round.room_code = unused_room_code()
    if round.published and round.published[-1]["last"] == round.wave:
        round.wave += 1  # a reopen: what arrives now is held apart from what was published
    round.state = Round.State.OPEN
    round.save(update_fields=["state", "room_code", "wave"])
    return round


@transaction.atomic
def close_round(*, round: Round) -> Round:
    """Close a round, publishing what has arrived since the last close if it is k or more.

    The answers since the last publication (all of them, at the first close) are published as
    one batch, with the unit tree and k as they are now, and results are computed from the
    published batches only (surveys/results.py). Fewer than k are held back: a reopen adds to
    them, and a later close publishes them once k have arrived. Unfinished drafts are deleted.
    """
    # NO KEY: a submit in flight inserts its response, whose foreign key takes a KEY SHARE
    # lock on the round; FOR UPDATE would wait for it while it waits for us (a deadlock).
    rounds = Round.objects.select_for_update(no_key=True, of=("self",))
    locked = rounds.select_related("programme").get(pk=round.pk)
    # First, as it waits for the submits holding a draft (they lock the draft, not the
    # round): what they store is in the count below.
    Draft.objects.filter(round=locked).delete()
    first = locked.published[-1]["last"] + 1 if locked.published else 0
    pending = Response.objects.filter(round=locked, wave__gte=first).count()
    k = locked.programme.min_group_size
    if pending >= k:
        units = locked.programme.units.order_by("pk").values_list("pk", "parent_id")
        locked.published = [
            *locked.published,
            {"first": first, "last": locked.wave, "k": k, "tree": [list(u) for u in units]},
        ]
    locked.state = Round.State.CLOSED
    locked.save(update_fields=["state", "published"])
    round.state, round.published, round.wave = locked.state, locked.published, locked.wave
    return round


def room_code(round: Round) -> str:
    """The code phones type to reach this round: its seminar's, or its own."""
    if round.seminar_id is not None:
        return round.seminar.room_code
    return round.room_code


def find_open_round(code: str) -> Round | None:
    """The open round a room code leads to, if any."""
    if len(code) != ROOM_CODE_LENGTH:
        return None
    return (
        Round.objects.open()
        .select_related("programme", "seminar")
        .filter(Q(seminar__room_code=code) | Q(seminar__isnull=True, room_code=code))
        .first()
    )


# --- Drafts ----------------------------------------------------------------------------


def new_draft(*, round: Round, language: str, unit: Unit | None = None) -> Draft:
    return Draft.objects.create(round=round, language=language, unit=unit)


def start_draft(*, round: Round, draft_id: uuid.UUID, language: str, unit_id: int) -> Draft:
    """The draft under the id the session holds, made now with its unit and language.

    The id was drawn when the phone was let in, so the session needs no second write here,
    and the INSERT is the only statement (no transaction of its own: it is one statement).
    A double tap on Start, both requests seeing no draft yet, finds the row made by the
    other and saves this tap's unit in it instead.
    """
    draft = Draft(pk=draft_id, round=round, language=language, unit_id=unit_id)
    try:
        with _savepoint_in_a_transaction():
            draft.save(force_insert=True)
    except IntegrityError:
        Draft.objects.filter(pk=draft_id, round=round).update(language=language, unit_id=unit_id)
    return draft


def _savepoint_in_a_transaction():
    """A savepoint inside a caller's transaction, so that a failed INSERT leaves it usable;
    nothing outside one, where the statement is its own transaction."""
    return transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()


def save_answers(*, draft: Draft, answers: dict[int, int | str | None]) -> Draft:
    """Merge one page's answers into the draft (None removes an answer)."""
    stored = dict(draft.answers)
    for item_id, value in answers.items():
        if value is None:
            stored.pop(str(item_id), None)
        else:
            stored[str(item_id)] = value
    draft.answers = stored
    draft.touched_on = timezone.localdate()
    draft.save(update_fields=["answers", "language", "touched_on"])
    return draft


def draft_values(draft: Draft) -> dict[int, int | None]:
    """Answers as the scoring module wants them: 1-5, or None for "don't know"."""
    return {
        int(item_id): (None if value == DONT_KNOW else int(value))
        for item_id, value in draft.answers.items()
    }


# --- Submission ------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    round_id: int
    created: bool


def submit(
    *,
    round_id: int,
    draft_id: uuid.UUID,
    key: uuid.UUID,
    participant: Participant | None,
    read: Draft | None = None,
) -> Submitted:
    """Store the draft as an anonymous response, exactly once (see the module docstring).

    `read` is the draft as the request already read it (with its round, programme and
    set-up), if it did. Then, on PostgreSQL, step 2 is usually one statement
    (_store_as_read). When it stores nothing, a stored response with the key means a copy
    of this submission got there first; otherwise the locked path below finds out why and
    answers as it always did.
    """
    if participant is not None:
        _mark_participation(round_id=round_id, draft_id=draft_id, key=key, participant=participant)
    ids = (draft_id, round_id, key)
    if read is not None and (read.pk, read.round_id, read.idempotency_key) == ids:
        if _store_as_read(read):
            return Submitted(round_id=round_id, created=True)
        if (stored := _stored(key)) is not None:
            return stored  # most often a copy of this submission, sent at the same moment
    try:
        with transaction.atomic():
            draft = _locked_draft(round_id=round_id, draft_id=draft_id, key=key)
            if draft is None:
                created = False
            else:
                _store_response(draft)
                draft.delete()
                created = True
    except IntegrityError:
        created = False  # the same key was stored by a request running at the same time
    if not created:
        return _already_stored(key, round_id=round_id)
    return Submitted(round_id=round_id, created=True)


def _locked_draft(*, round_id: int, draft_id: uuid.UUID, key: uuid.UUID) -> Draft | None:
    """The draft, locked, if it is this round's and this key's; checks it can be sent.

    Only the draft's row is locked, so that submits to one round run side by side. A close
    running at the same time waits for this draft in its delete of the round's drafts, and
    counts what is pending only after that (close_round): a submit that locked its draft
    first is in the close's count, and one that comes after finds the draft gone and is
    told the round closed. (A draft started while the close runs escapes its delete; its
    response waits, unpublished, for the round's next close.)
    """
    draft = _LOCKED_DRAFT.first(draft_id, round_id, key)
    if draft is None:
        return None
    if not draft.round.is_open:
        raise RoundClosed
    if draft.unit_id is None:
        raise NoUnitChosen
    return draft


def _locked_draft_query(draft_id: uuid.UUID, round_id: int, key: uuid.UUID):
    return (
        Draft.objects.select_for_update(of=("self",))
        .select_related("round__programme__survey_setup")
        .filter(pk=draft_id, round_id=round_id, idempotency_key=key)
        .order_by()[:1]
    )


# Compiled once per process: the submit is the room's busiest request (programmes.compiled).
_LOCKED_DRAFT = CompiledQuery(
    _locked_draft_query,
    fields=[Draft._meta.pk, *map(Draft._meta.get_field, ("round", "idempotency_key"))],
    samples=[
        uuid.UUID("5a3b1e00-0000-4000-8000-00000000d4af"),
        -424_242,
        uuid.UUID("5a3b1e00-0000-4000-8000-0000000000ee"),
    ],
)


@transaction.atomic
def _mark_participation(
    *, round_id: int, draft_id: uuid.UUID, key: uuid.UUID, participant: Participant
) -> None:
    """Step 1: the "has answered" mark and the draft's flag, in their own transaction."""
    draft = _locked_draft(round_id=round_id, draft_id=draft_id, key=key)
    if draft is None or draft.submitting:
        return  # already stored, or a retry after a crash between the two steps
    try:
        with transaction.atomic():
            Participation.objects.create(participant=participant, round_id=round_id)
    except IntegrityError:
        raise AlreadyAnswered from None
    draft.submitting = True
    draft.save(update_fields=["submitting"])


def _already_stored(key: uuid.UUID, *, round_id: int) -> Submitted:
    """A retry of a finished submission answers as the first did; anything else is refused.

    With neither draft nor response, a round that has closed meanwhile explains it: closing
    deleted the draft while the phone was on the review page.
    """
    if (stored := _stored(key)) is not None:
        return stored
    if not Round.objects.filter(pk=round_id, state=Round.State.OPEN).exists():
        raise RoundClosed
    raise NothingToSubmit


def _stored(key: uuid.UUID) -> Submitted | None:
    """The submission with this key, if its response is stored."""
    response = Response.objects.filter(idempotency_key=key).only("round_id").first()
    return None if response is None else Submitted(round_id=response.round_id, created=False)


def answered_elsewhere(*, participant: Participant, round_id: int, key: uuid.UUID | None) -> bool:
    """Whether the participant's answer to the round came from another submission than this key's.

    The rule behind "already answered". The Participation alone does not say it: a copy of
    the submission that took it (a double tap, a retry with the same key) may have read its
    draft before the first request flagged or deleted it, and must answer as the first did.
    That submission's draft, flagged as submitting, or its stored response marks such a copy.
    The draft is asked first: step 2 deletes it and stores the response in one transaction,
    so a draft this query no longer sees has its response visible to the next one.
    """
    if not Participation.objects.filter(participant=participant, round_id=round_id).exists():
        return False
    if key is None:
        return True
    flagged = Draft.objects.filter(round_id=round_id, idempotency_key=key, submitting=True)
    stored = Response.objects.filter(round_id=round_id, idempotency_key=key)
    return not (flagged.exists() or stored.exists())


def _store_as_read(draft: Draft) -> bool:
    """Step 2 in one statement, if the draft is still as it was read; whether it stored it.

    The busiest minute of a seminar is everyone pressing Send at once, and a transaction
    costs six round trips (BEGIN, the locked draft, the response, its answers, the delete,
    COMMIT). Here one statement deletes the draft, only if it still holds exactly what was
    read and its round is open, and writes the response and answers from what it deleted:
    all or nothing, like any statement, and in the caller's transaction if there is one.
    The draft's row lock orders it with a copy of the same submission (which then deletes
    nothing), with an autosave (likewise, and the locked path stores the newer answers) and
    with close_round (which deletes the round's drafts before it counts what is pending).
    PostgreSQL only: SQLite has no DELETE inside WITH, and takes the locked path.
    """
    connection = connections[router.db_for_write(Response)]
    if connection.vendor != "postgresql" or draft.unit_id is None or not draft.round.is_open:
        return False
    values, response = _scored_response(draft)
    sql, draft_fields, response_fields = _store_as_read_sql(connection.alias)
    params = [
        *(
            field.get_db_prep_value(getattr(draft, field.attname), connection, prepared=False)
            for field in draft_fields
        ),
        draft.round_id,
        Round.State.OPEN,
        *(
            field.get_db_prep_save(getattr(response, field.attname), connection)
            for field in response_fields
        ),
        list(values),
        list(values.values()),
    ]
    savepoint = transaction.atomic(using=connection.alias) if connection.in_atomic_block else None
    try:
        with savepoint or nullcontext(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            (stored,) = cursor.fetchone()
    except IntegrityError:
        return False  # the locked path finds out what the stored rows are
    return stored == 1


# The draft's columns that must still hold what was read for the one statement to store it.
_AS_READ_DRAFT_FIELDS = ("id", "round", "idempotency_key", "unit", "language", "answers")


@functools.cache
def _store_as_read_sql(alias: str) -> tuple[str, list[models.Field], list[models.Field]]:
    """The statement of _store_as_read, and the draft's and the response's fields in its
    parameters' order."""
    connection = connections[alias]
    qn = connection.ops.quote_name

    def column(model, name: str) -> str:
        return qn(model._meta.get_field(name).column)

    def cast(field: models.Field) -> str:
        return f"%s::{field.cast_db_type(connection)}"

    draft_fields = [Draft._meta.get_field(name) for name in _AS_READ_DRAFT_FIELDS]
    response_fields = list(Response._meta.concrete_fields)
    unchanged = " AND ".join(f"{qn(field.column)} = %s" for field in draft_fields)
    answer_item = Answer._meta.get_field("item")
    answer_value = Answer._meta.get_field("value")
    # Tables, columns and casts are our models' own, quoted; every value is a parameter.
    sql = f"""
        WITH sent AS (
            DELETE FROM {qn(Draft._meta.db_table)}
            WHERE {unchanged} AND EXISTS (
                SELECT 1 FROM {qn(Round._meta.db_table)}
                WHERE {column(Round, "id")} = %s AND {column(Round, "state")} = %s
            )
            RETURNING 1
        ), stored AS (
            INSERT INTO {qn(Response._meta.db_table)}
                ({", ".join(qn(f.column) for f in response_fields)})
            SELECT {", ".join(map(cast, response_fields))} FROM sent
            RETURNING {column(Response, "id")} AS id
        ), answered AS (
            INSERT INTO {qn(Answer._meta.db_table)}
                ({column(Answer, "response")}, {qn(answer_item.column)}, {qn(answer_value.column)})
            SELECT stored.id, answer.item, answer.value
            FROM stored, unnest(
                {cast(answer_item)}[],
                {cast(answer_value)}[]
            ) AS answer (item, value)
        )
        SELECT count(*) FROM stored
    """  # noqa: S608  # nosec B608
    return sql, draft_fields, response_fields


def _scored_response(draft: Draft) -> tuple[dict[int, int | None], Response]:
    """The draft's answers to the round's items, and the response they score to (unsaved)."""
    round = draft.round
    items = round_items(round)
    if not items:
        raise NoQuestions
    values = {k: v for k, v in draft_values(draft).items() if k in {i.pk for i in items}}
    scores = scoring.respondent_scores(values, [item.spec() for item in items])
    response = Response(
        round=round,
        unit_id=draft.unit_id,
        language=draft.language or round.programme.language,
        instrument_id=items[0].instrument_id,
        idempotency_key=draft.idempotency_key,
        wave=round.wave,
        **scores,
    )
    return values, response


def _store_response(draft: Draft) -> Response:
    """Score the draft's answers and write the response; the caller holds the transaction."""
    values, response = _scored_response(draft)
    response.save(force_insert=True)
    Answer.objects.bulk_create(
        Answer(response=response, item_id=item_id, value=value) for item_id, value in values.items()
    )
    return response


# --- Instruments -----------------------------------------------------------------------


def _next_version(workspace, name: str) -> int:
    latest = (
        Instrument.objects.filter(name=name)
        .filter(models.Q(workspace=workspace) | models.Q(workspace__isnull=True))
        .aggregate(v=models.Max("version"))["v"]
    )
    return (latest or 0) + 1


@transaction.atomic
def new_instrument_version(*, instrument: Instrument, workspace) -> Instrument:
    """A workspace-owned copy of an instrument, one version up, ready to edit."""
    copy = Instrument.objects.create(
        workspace=workspace,
        name=instrument.name,
        version=_next_version(workspace, instrument.name),
        based_on=instrument,
    )
    Item.objects.bulk_create(
        Item(
            instrument=copy,
            key=item.key,
            subdimension=item.subdimension,
            text_da=item.text_da,
            text_sv=item.text_sv,
            text_en=item.text_en,
            reverse=item.reverse,
            allow_dont_know=item.allow_dont_know,
            core=item.core,
            position=item.position,
        )
        for item in instrument.items.all()
    )
    return copy


@transaction.atomic
def import_instrument(*, workspace, parsed) -> Instrument:
    """Create a workspace instrument from a checked import (surveys.instruments)."""
    instrument = Instrument.objects.create(
        workspace=workspace, name=parsed.name, version=_next_version(workspace, parsed.name)
    )
    Item.objects.bulk_create(
        Item(
            instrument=instrument,
            key=item.key,
            subdimension=item.subdimension,
            text_da=item.texts["da"],
            text_sv=item.texts["sv"],
            text_en=item.texts["en"],
            reverse=item.reverse,
            allow_dont_know=item.allow_dont_know,
            core=item.core,
            position=position,
        )
        for position, item in enumerate(parsed.items)
    )
    return instrument


@transaction.atomic
def choose_instrument(*, setup: SurveySetup, instrument: Instrument) -> SurveySetup:
    """Switch a not yet pinned programme to another instrument, starting from its core items."""
    if setup.pinned_at is not None:
        raise SurveyError("pinned")
    setup.instrument = instrument
    setup.save(update_fields=["instrument"])
    setup.items.set(instrument.items.filter(core=True) or instrument.items.all())
    return setup
