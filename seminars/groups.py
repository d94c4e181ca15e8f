"""Group work as each audience sees it: phones their own group's notes, the facilitator all
of them, the wall what the facilitator presents (DESIGN.md "What each audience sees")."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef

from seminars.models import GroupSeat, GroupWork, WorkGroup
from seminars.rooms import Opening, openings_for


@dataclass(frozen=True)
class GroupNotes:
    pk: int
    name: str
    members: int
    sections: tuple[tuple[str, str], ...]  # (heading, text), in the work's heading order
    version: int

    @property
    def empty(self) -> bool:
        return not any(text.strip() for _heading, text in self.sections)


def _notes(work: GroupWork, group: WorkGroup, members: int) -> GroupNotes:
    sections = tuple((h, str(group.notes.get(h, ""))) for h in work.heading_list)
    return GroupNotes(group.pk, group.name, members, sections, group.notes_version)


def all_notes(work: GroupWork) -> list[GroupNotes]:
    """Every group of the activity with its notes and how many seats sit in it."""
    groups = work.groups.annotate(members=Count("seats"))
    return [_notes(work, group, group.members) for group in groups]


def notes_of(work: GroupWork, group: WorkGroup) -> GroupNotes:
    return _notes(work, group, group.seats.count())


def seat_group(work: GroupWork, seat) -> WorkGroup | None:
    """The group this seat sits in for the activity, if it chose one."""
    row = GroupSeat.objects.filter(work=work, seat=seat).select_related("group").first()
    return row.group if row is not None else None


def any_group_work_open() -> Exists:
    return Exists(GroupWork.objects.filter(activity__seminar=OuterRef("pk"), is_open=True))


def open_group_works(seminar) -> list[Opening]:
    """The seminar's group activities open for notes from phones."""
    works = (
        GroupWork.objects.filter(activity__seminar=seminar, is_open=True)
        .select_related("activity")
        .order_by("activity__position", "pk")
    )
    return openings_for(
        "groups",
        works,
        "group_phone",
        on_wall=lambda work: seminar.wall == "groups" and seminar.wall_group_work_id == work.pk,
    )


@dataclass(frozen=True)
class TrialGroup:
    """A working group's tasks from one workshop and its logbook since."""

    notes: GroupNotes
    entries: tuple


def trial_before(seminar) -> list[tuple[GroupWork, list[TrialGroup]]]:
    """The trial periods that lead into this seminar: the previous one's tasks and logbooks."""
    works = (
        GroupWork.objects.filter(
            trial_period=True,
            activity__seminar__programme_id=seminar.programme_id,
            activity__seminar__number__lt=seminar.number,
        )
        .select_related("activity__seminar")
        .order_by("-activity__seminar__number", "activity__position")
    )
    works = list(works)
    if not works:
        return []
    latest = works[0].activity.seminar.number  # the workshop just before this one
    works = [work for work in works if work.activity.seminar.number == latest]
    found = []
    for work in works:
        groups = work.groups.annotate(members=Count("seats")).prefetch_related("logbook")
        found.append(
            (
                work,
                [TrialGroup(_notes(work, g, g.members), tuple(g.logbook.all())) for g in groups],
            )
        )
    return found
