"""Deleting a programme: gone from every page and link at once, then its rows in batches.

`mark_deleted` is one short transaction: the programme gets `deleted_at`, and every way in
(staff pages, personal links, room codes, display links, documentation links, personal
plans) looks programmes up through querysets that leave marked ones out, so it disappears
everywhere in the same instant. `purge` then removes its rows in batches of `BATCH`, each
batch its own transaction, children before parents, so a programme of a million answers
never holds a lock for seconds and an interrupted purge simply goes on where it stopped the
next time it runs (the daily `retention` command runs it for every marked programme).

Which rows belong to a programme is found by walking the models' foreign keys from
`Programme`, not listed by hand, so a model added later is deleted too; a test counts every
table before and after. The audit trail stays: it holds ids as plain values, no foreign key.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from programmes.models import Programme

BATCH = 5000


@dataclass(frozen=True)
class Owned:
    """A model whose rows belong to a programme, and the lookup from it to the programme."""

    model: type[models.Model]
    path: str  # e.g. "response__round__programme"

    def rows(self, programme_id: int) -> models.QuerySet:
        return self.model._base_manager.filter(**{self.path: programme_id})


def owned_models() -> list[Owned]:
    """Every model with a chain of foreign keys to Programme, in an order that deletes
    referring rows before the rows they refer to (children first)."""
    paths: dict[type[models.Model], str] = {Programme: ""}
    changed = True
    while changed:  # the longest chain is a handful of keys
        changed = False
        for model in apps.get_models():
            if model in paths:
                continue
            for field in model._meta.concrete_fields:
                target = field.related_model if field.many_to_one or field.one_to_one else None
                if target in paths and target is not model:
                    prefix = paths[target]
                    paths[model] = f"{field.name}__{prefix}" if prefix else field.name
                    changed = True
                    break
    owned = [model for model in paths if model is not Programme]
    return [Owned(model, paths[model]) for model in _children_first(owned)]


def _children_first(owned: list[type[models.Model]]) -> list[type[models.Model]]:
    """Order the models so that a row is deleted before any row it points to with a key
    that cannot be left dangling (PROTECT or CASCADE); keys that are set to NULL on delete
    never decide the order, which breaks the cycles they make."""
    members = set(owned)
    must_precede: dict[type[models.Model], set[type[models.Model]]] = {m: set() for m in owned}
    for model in owned:
        for field in model._meta.concrete_fields:
            target = field.related_model if field.many_to_one or field.one_to_one else None
            if target in members and target is not model:
                if field.remote_field.on_delete in (models.SET_NULL, models.SET_DEFAULT):
                    continue
                must_precede[target].add(model)  # model's rows go before target's
    ordered: list[type[models.Model]] = []
    placed: set[type[models.Model]] = set()
    while len(ordered) < len(owned):
        ready = [m for m in owned if m not in placed and must_precede[m] <= placed]
        if not ready:  # a cycle of hard keys: fall back to the model order (collector cascades)
            ready = [m for m in owned if m not in placed][:1]
        for model in ready:
            ordered.append(model)
            placed.add(model)
    return ordered


@transaction.atomic
def mark_deleted(*, programme: Programme) -> None:
    """Take the programme out of every page and link now; its rows follow in `purge`."""
    # Archived as well: every way in for phones (codes, links, seats, drafts) already
    # refuses an archived programme; staff pages find programmes through `Programme.objects`,
    # which leaves marked ones out.
    Programme.all_objects.filter(pk=programme.pk, deleted_at__isnull=True).update(
        deleted_at=timezone.now(), status=Programme.Status.ARCHIVED
    )
    _drop_managers(programme)


def _drop_managers(programme: Programme) -> None:
    """The client's managers lose the programme now; an account that was there for this
    programme alone (no other programme, no workspace) is deleted with it. The log keeps
    only its number."""
    from programmes.models import ProgrammeManager
    from programmes.services import delete_orphaned_accounts

    managers = ProgrammeManager.objects.filter(programme=programme)
    user_ids = list(managers.values_list("user_id", flat=True))
    managers.delete()
    delete_orphaned_accounts(user_ids)


def purge(programme_id: int, *, budget: float | None = None) -> bool:
    """Delete a marked programme's rows in batches; True when all are gone, programme too.

    With a `budget` in seconds it stops after the batch that passes it (the rest waits for
    the next run); without, it runs to the end.
    """
    started = time.monotonic()
    if not Programme.all_objects.filter(pk=programme_id, deleted_at__isnull=False).exists():
        return not Programme.all_objects.filter(pk=programme_id).exists()
    for owned in owned_models():
        for _deleted in _batches(owned, programme_id):
            if budget is not None and time.monotonic() - started > budget:
                return False
    Programme.all_objects.filter(pk=programme_id).delete()
    return True


def _batches(owned: Owned, programme_id: int) -> Iterator[int]:
    """Delete the model's rows of the programme, BATCH at a time; yields each count.

    A model that refers to itself (units under units) loses the rows nobody refers to
    first, round by round, so a protecting key never blocks a batch.
    """
    self_keys = [
        field.name
        for field in owned.model._meta.concrete_fields
        if (field.many_to_one or field.one_to_one) and field.related_model is owned.model
    ]
    while True:
        rows = owned.rows(programme_id)
        for name in self_keys:
            rows = rows.exclude(
                pk__in=owned.model._base_manager.filter(**{f"{name}__isnull": False}).values(name)
            )
        ids = list(rows.order_by().values_list("pk", flat=True)[:BATCH])
        if not ids:
            return  # a tree always has leaves: what is left is nothing
        with transaction.atomic():
            owned.model._base_manager.filter(pk__in=ids).delete()
        yield len(ids)


def contents(programme: Programme) -> dict[str, int]:
    """What a delete takes with it, in numbers people recognise."""
    from actionplans.models import PersonalPlan, TeamPlan
    from seminars.models import Post, Seminar
    from surveys.models import Response

    return {
        "seminars": Seminar.objects.filter(programme=programme).count(),
        "participants": programme.participants.count(),
        "responses": Response.objects.filter(round__programme=programme).count(),
        "posts": Post.objects.filter(board__activity__seminar__programme=programme).count(),
        "team_plans": TeamPlan.objects.filter(programme=programme).count(),
        "personal_plans": PersonalPlan.objects.filter(programme=programme).count(),
    }
