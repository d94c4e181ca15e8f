"""Personal plans: the services behind /plan/, pure functions over the models, no HTTP.

Every function that reads or changes a plan takes its plan key: the plan row is found by
the key's lookup hash, so a plan the caller has no key for cannot be named, let alone
read. The server keeps ciphertext only (see crypto.py); the plain text exists in memory
while the owner's own request is handled, and is never written anywhere.

- A plan's text is one encrypted JSON object; a save sends the version it started from and
  a stale save is refused with both texts (`PlanStale`), as group notes are.
- Reflections are encrypted under the plan's own box key; feedback is sealed to the plan's
  public key, so the colleague who writes it needs no key and leaves no name.
- A sparring share is a copy of the plan encrypted under a key derived from a fresh share
  code: the colleague reads it through the code and gives feedback once. The share row is
  locked while it is checked and marked used, in the transaction that stores the feedback,
  so one code gives at most one feedback however many phones send it at once. Once used, its
  copy of the plan is wiped.
- Staff see `counts()` and nothing else.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actionplans import crypto
from actionplans.models import Feedback, PersonalPlan, Reflection, SparringShare
from programmes.models import Programme, Unit

TEXT_MAX_CHARS = 2000  # per field: a long answer fits, a pasted document does not
SCHEMA_ROWS = 8

PLAN_FIELDS = (
    ("goal", _("My goal")),
    ("first_steps", _("My first steps")),
    ("support", _("Who can support me")),
    ("check", _("When I will check how it is going")),
)
SCHEMA_COLUMNS = (
    ("occasion", _("Everyday leadership occasion")),
    ("action", _("Concrete action")),
    ("for_staff", _("Value for staff")),
    ("for_citizens", _("Value for citizens")),
    ("for_leader", _("Value for me as a leader")),
)
REFLECTION_FIELDS = (
    ("went", _("How did it go? From 1 (not well) to 5 (very well)")),
    ("learned", _("What I learned")),
    ("next", _("My next step")),
)
FEEDBACK_FIELDS = (
    ("works", _("What works in this plan")),
    ("suggestion", _("One suggestion")),
)

Fields = dict[str, Any]  # a plan: PLAN_FIELDS' names, or {"rows": [SCHEMA_COLUMNS' names]}


# --- Errors the views show ----------------------------------------------------------------


class PlanError(Exception):
    """A request the plan does not allow; `message` is safe to show on the phone."""

    status = 409
    message = _("That is not possible with this plan.")


class PlanNotFound(PlanError):
    status = 404
    message = _("No plan was found for this key.")


class PlanArchived(PlanError):
    status = 410
    message = _(
        "The programme has ended, so the plan can no longer be changed. Nothing is lost: "
        "you can still read it, download it or erase it."
    )


class PlanStale(PlanError):
    """The plan was saved from another phone after this one opened it: both texts are shown."""

    message = _(
        "Your plan was saved on another phone while you were writing. Both versions are "
        "below: merge them in your text and save again."
    )

    def __init__(self, theirs: Fields, version: int):
        super().__init__()
        self.theirs = theirs
        self.version = version


class ShareUnknown(PlanError):
    status = 404
    message = _("This share code is not valid. Ask your colleague to show the QR code again.")


class ShareUsed(PlanError):
    status = 410
    message = _("Feedback has already been given with this code. Each code works once.")


class ShareExpired(PlanError):
    status = 410
    message = _("This share code has expired: codes work until the end of the day they are made.")


class OwnShare(PlanError):
    status = 403
    message = _(
        "This is your own plan. Show the QR code to a colleague: they open it on their phone."
    )


# --- What the views get back --------------------------------------------------------------


@dataclass(frozen=True)
class OpenPlan:
    """A plan opened with its key: the row (ciphertext, ids) and its decrypted fields."""

    plan: PersonalPlan
    fields: Fields

    @property
    def kind(self) -> str:
        return self.plan.kind

    @property
    def version(self) -> int:
        return self.plan.version

    @property
    def programme(self) -> Programme:
        return self.plan.programme


@dataclass(frozen=True)
class Entry:
    """A decrypted reflection or feedback: the day it was written and its fields."""

    on: datetime.date
    fields: dict[str, str]


@dataclass(frozen=True)
class SharedPlan:
    """What a colleague reads through a share code."""

    kind: str
    fields: Fields
    programme: Programme
    expires_at: datetime.datetime


@dataclass(frozen=True)
class UnitPlanCount:
    unit_id: int | None
    name: str
    plans: int
    with_reflection: int


@dataclass(frozen=True)
class PlanCounts:
    """All that staff ever see of personal plans."""

    k: int
    plans: int
    with_reflection: int
    units: tuple[UnitPlanCount, ...]  # units with at least k plans
    other_units: UnitPlanCount | None  # the rest folded together: 0 or at least k plans


# --- Payloads -----------------------------------------------------------------------------


def kind_for(programme: Programme) -> str:
    """A leadership day writes the leadership action schema; every other programme a plan."""
    if programme.template == Programme.Template.LEADERSHIP_DAY:
        return PersonalPlan.Kind.SCHEMA
    return PersonalPlan.Kind.PLAN


def _text(value: Any) -> str:
    text = str(value or "").strip()
    if len(text) > TEXT_MAX_CHARS:
        raise ValueError(f"a text is longer than {TEXT_MAX_CHARS} characters")
    return text


def _texts(fields: dict[str, Any], names: tuple) -> dict[str, str]:
    return {name: _text(fields.get(name)) for name, _label in names}


def plan_payload(kind: str, fields: Fields) -> Fields:
    """The plan's fields as stored: known names only, trimmed, each within the limit."""
    if kind == PersonalPlan.Kind.SCHEMA:
        rows = [_texts(row, SCHEMA_COLUMNS) for row in fields.get("rows", [])]
        rows = [row for row in rows if any(row.values())]
        if len(rows) > SCHEMA_ROWS:
            raise ValueError(f"the schema has more than {SCHEMA_ROWS} rows")
        return {"rows": rows}
    return _texts(fields, PLAN_FIELDS)


def _normalise(kind: str, fields: Fields) -> Fields:
    """A stored plan read back in the current shape (a field added later reads as empty)."""
    return plan_payload(kind, fields)


# --- The plan -----------------------------------------------------------------------------


def _find(key: bytes, *, lock: bool = False) -> PersonalPlan | None:
    # A programme marked deleted takes its plans with it at once, before its rows are purged.
    rows = PersonalPlan.objects.select_related("programme").filter(programme__deleted_at=None)
    if lock:
        rows = rows.select_for_update(of=("self",))
    return rows.filter(lookup=crypto.lookup(key)).first()


def create_plan(
    *, programme: Programme, unit: Unit | None, fields: Fields
) -> tuple[PersonalPlan, bytes]:
    """A new plan under a new key; the caller hands the key to the owner and forgets it."""
    if programme.is_archived:
        raise PlanArchived
    kind = kind_for(programme)
    key = crypto.new_plan_key()
    plan = PersonalPlan.objects.create(
        programme=programme,
        unit=unit if unit is not None and unit.programme_id == programme.pk else None,
        kind=kind,
        lookup=crypto.lookup(key),
        public_key=crypto.public_key(key),
        ciphertext=crypto.seal(key, plan_payload(kind, fields)),
    )
    return plan, key


def open_plan(*, key: bytes) -> OpenPlan | None:
    """The plan this key opens, decrypted, or None."""
    plan = _find(key)
    if plan is None:
        return None
    try:
        fields = crypto.unseal(key, plan.ciphertext)
    except crypto.CannotOpen:
        return None
    return OpenPlan(plan, _normalise(plan.kind, fields))


def save_plan(*, key: bytes, fields: Fields, version: int) -> OpenPlan:
    """Save the plan's fields; refused with both texts if another phone saved since.

    A save that would change nothing (a double tap) succeeds whatever its version.
    """
    with transaction.atomic():
        plan = _find(key, lock=True)
        if plan is None:
            raise PlanNotFound
        if plan.programme.is_archived:
            raise PlanArchived
        current = _normalise(plan.kind, crypto.unseal(key, plan.ciphertext))
        new = plan_payload(plan.kind, fields)
        if new == current:
            return OpenPlan(plan, current)
        if plan.version != version:
            raise PlanStale(current, plan.version)
        plan.ciphertext = crypto.seal(key, new)
        plan.version += 1
        plan.save(update_fields=["ciphertext", "version"])
    return OpenPlan(plan, new)


def erase_plan(*, key: bytes) -> bool:
    """Delete the plan with its reflections, feedback and shares; only the key can."""
    deleted, _rows = PersonalPlan.objects.filter(lookup=crypto.lookup(key)).delete()
    return deleted > 0


# --- Reflections and feedback -------------------------------------------------------------


def add_reflection(*, key: bytes, fields: dict[str, Any]) -> Reflection:
    """The owner's reflection, encrypted under the plan's box key."""
    with transaction.atomic():
        plan = _find(key, lock=True)
        if plan is None:
            raise PlanNotFound
        if plan.programme.is_archived:
            raise PlanArchived
        payload = _texts(fields, REFLECTION_FIELDS)
        return Reflection.objects.create(plan=plan, ciphertext=crypto.seal(key, payload))


def reflections(*, key: bytes) -> list[Entry]:
    """The plan's reflections, oldest first, decrypted with its key."""
    rows = Reflection.objects.filter(plan__lookup=crypto.lookup(key)).order_by("pk")
    return [Entry(row.created_on, crypto.unseal(key, row.ciphertext)) for row in rows]


def feedback(*, key: bytes) -> list[Entry]:
    """The feedback colleagues gave on the plan, oldest first, opened with its key."""
    rows = Feedback.objects.filter(plan__lookup=crypto.lookup(key)).order_by("pk")
    return [Entry(row.created_on, crypto.open_sealed(key, row.ciphertext)) for row in rows]


# --- Sparring shares ----------------------------------------------------------------------


def end_of_day(moment: datetime.datetime) -> datetime.datetime:
    """Midnight after `moment` in the local time zone: when a share made then expires."""
    day = timezone.localtime(moment).date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def create_share(*, key: bytes, now: datetime.datetime | None = None) -> tuple[SparringShare, str]:
    """A copy of the plan for one colleague's feedback, readable with the returned code
    until the end of the day. The plan's used or expired shares are deleted on the way."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = _find(key, lock=True)
        if plan is None:
            raise PlanNotFound
        if plan.programme.is_archived:
            raise PlanArchived
        fields = _normalise(plan.kind, crypto.unseal(key, plan.ciphertext))
        SparringShare.objects.filter(plan=plan).filter(
            Q(used_at__isnull=False) | Q(expires_at__lte=now)
        ).delete()
        code = crypto.new_share_code()
        secret = crypto.parse_share_code(code)
        share = SparringShare.objects.create(
            plan=plan,
            code_hash=crypto.share_lookup(secret),
            ciphertext=crypto.share_seal(secret, {"kind": plan.kind, "fields": fields}),
            expires_at=end_of_day(now),
        )
    return share, code


def _usable_share(
    code: str, *, own_key: bytes | None, now: datetime.datetime, lock: bool = False
) -> tuple[SparringShare, bytes]:
    secret = crypto.parse_share_code(code)
    if secret is None:
        raise ShareUnknown
    rows = SparringShare.objects.select_related("plan__programme")
    if lock:
        rows = rows.select_for_update(of=("self",))
    share = rows.filter(code_hash=crypto.share_lookup(secret)).first()
    if share is None:
        raise ShareUnknown
    if share.used_at is not None:
        raise ShareUsed
    if share.expires_at <= now:
        raise ShareExpired
    if own_key is not None and crypto.lookup(own_key) == share.plan.lookup:
        raise OwnShare
    return share, secret


def read_share(
    *, code: str, own_key: bytes | None = None, now: datetime.datetime | None = None
) -> SharedPlan:
    """The shared plan a colleague reads; refused when unknown, used, expired or one's own."""
    share, secret = _usable_share(code, own_key=own_key, now=now or timezone.now())
    payload = crypto.share_unseal(secret, share.ciphertext)
    kind = payload.get("kind", share.plan.kind)
    return SharedPlan(
        kind, _normalise(kind, payload["fields"]), share.plan.programme, share.expires_at
    )


def give_feedback(
    *,
    code: str,
    fields: dict[str, Any],
    own_key: bytes | None = None,
    now: datetime.datetime | None = None,
) -> Feedback:
    """A colleague's feedback, sealed to the owner; the share is used up in the same
    transaction, with its row locked, so a code gives feedback once."""
    now = now or timezone.now()
    payload = _texts(fields, FEEDBACK_FIELDS)
    with transaction.atomic():
        share, _secret = _usable_share(code, own_key=own_key, now=now, lock=True)
        plan = share.plan
        if plan.programme.is_archived:
            raise PlanArchived
        given = Feedback.objects.create(
            plan=plan, ciphertext=crypto.seal_to(bytes(plan.public_key), payload)
        )
        share.used_at = now
        share.ciphertext = b""  # the copy of the plan is not needed any more
        share.save(update_fields=["used_at", "ciphertext"])
    return given


# --- What staff see -----------------------------------------------------------------------


def counts(programme: Programme, k: int) -> PlanCounts:
    """How many plans were made, and how many have a reflection: for the programme, and per
    unit for units with at least k plans. That is all staff ever see of personal plans.

    Units with fewer than k plans (and plans without a unit) are folded into "other units".
    That fold is itself either empty or at least k plans: while it holds 1 to k-1, the
    smallest shown unit joins it. Otherwise the programme's total minus the shown units would
    give the small remainder by subtraction (the difference rule). k is never below the floor.
    """
    k = max(k, settings.MIN_GROUP_SIZE_FLOOR)
    reflected = Exists(Reflection.objects.filter(plan=OuterRef("pk")))
    rows = (
        PersonalPlan.objects.filter(programme=programme)
        .annotate(reflected=reflected)
        .values("unit_id")
        .annotate(plans=Count("pk"), with_reflection=Count("pk", filter=Q(reflected=True)))
        .order_by()
    )
    names = dict(Unit.objects.filter(programme=programme).values_list("pk", "name"))
    per_unit = [
        UnitPlanCount(
            row["unit_id"], names.get(row["unit_id"], ""), row["plans"], row["with_reflection"]
        )
        for row in rows
    ]
    shown = sorted(
        (row for row in per_unit if row.unit_id is not None and row.plans >= k),
        key=lambda row: (row.plans, row.name),
    )
    folded = [row for row in per_unit if row not in shown]
    while shown and 0 < sum(row.plans for row in folded) < k:
        folded.append(shown.pop(0))
    other = None
    if folded:
        other = UnitPlanCount(
            None,
            str(_("Other units")),
            sum(row.plans for row in folded),
            sum(row.with_reflection for row in folded),
        )
    return PlanCounts(
        k=k,
        plans=sum(row.plans for row in per_unit),
        with_reflection=sum(row.with_reflection for row in per_unit),
        units=tuple(sorted(shown, key=lambda row: row.name)),
        other_units=other,
    )


# --- For the demo -------------------------------------------------------------------------


def write_plan(
    *,
    programme: Programme,
    fields: Fields,
    unit: Unit | None = None,
    reflections: tuple[dict[str, str], ...] = (),
    feedback: tuple[dict[str, str], ...] = (),
) -> str:
    """Write a plan with the given fields (and reflections and feedback); returns its recovery
    code, which the demo prints so a person can open the plan at /plan/recover/.

    `fields` has PLAN_FIELDS' names, or `{"rows": [...]}` with SCHEMA_COLUMNS' names on a
    leadership day. Nothing else keeps the code: it is the only way back to the plan.
    """
    with transaction.atomic():
        plan, key = create_plan(programme=programme, unit=unit, fields=fields)
        for reflection in reflections:
            add_reflection(key=key, fields=reflection)
        for given in feedback:
            Feedback.objects.create(
                plan=plan,
                ciphertext=crypto.seal_to(bytes(plan.public_key), _texts(given, FEEDBACK_FIELDS)),
            )
    return crypto.recovery_code(key)
