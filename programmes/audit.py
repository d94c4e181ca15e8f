"""The audit log: one append-only row for every change a facilitator or manager makes.

A row names the action, the object's id and, in `details`, numbers and the names of the
changed fields: never free text (titles, notes, names) and never personal data, so that
erasing a programme's data never has to reach into the log. The log page shows each row
as translated sentences built from the codes below; an unknown code is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from programmes.models import AuditEntry, Membership, Programme, ProgrammeManager, Workspace

# Every action code written anywhere, as the log page names it. A code without a label here
# fails a test that scans the source for `action=` arguments.
ACTIONS: dict[str, str] = {
    "programme.create": _("Programme created"),
    "programme.edit": _("Programme changed"),
    "programme.archive": _("Programme archived"),
    "programme.logo": _("Logo for the report uploaded"),
    "programme.logo_remove": _("Logo for the report removed"),
    "programme.restore": _("Programme made active again"),
    "programme.delete": _("Programme deleted"),
    "programme.export": _("All the programme's data exported"),
    "programme.retention_delete": _("Programme deleted at the end of its retention"),
    "workspace.create": _("Workspace created"),
    "workspace.invite": _("Facilitator invited to the workspace"),
    "workspace.cancel_invitation": _("Workspace invitation withdrawn"),
    "workspace.join": _("Workspace invitation accepted"),
    "workspace.remove": _("Facilitator removed from the workspace"),
    "workspace.owner": _("Workspace ownership handed on"),
    "workspace.settings": _("Workspace settings changed"),
    "unit.create": _("Unit added"),
    "unit.edit": _("Unit changed"),
    "unit.delete": _("Unit deleted"),
    "participant.create": _("Participant added"),
    "participant.edit": _("Participant changed"),
    "participant.delete": _("Participant deleted"),
    "participant.upload": _("Participant list uploaded for checking"),
    "participant.import": _("Participant list imported"),
    "participant.issue_links": _("Personal links issued"),
    "manager.invite": _("Manager invited"),
    "manager.accept": _("Manager invitation accepted"),
    "manager.cancel_invitation": _("Manager invitation withdrawn"),
    "manager.revoke": _("Manager's access removed"),
    "cofacilitator.invite": _("Co-facilitator invited"),
    "cofacilitator.accept": _("Co-facilitator invitation accepted"),
    "cofacilitator.cancel_invitation": _("Co-facilitator invitation withdrawn"),
    "cofacilitator.revoke": _("Co-facilitator's access removed"),
    "programme.hand_over": _("Programme handed over to the client's co-facilitators"),
    "programme.take_back": _("Programme no longer handed over"),
    "seminar.create": _("Seminar added"),
    "seminar.edit": _("Seminar changed"),
    "seminar.move": _("Seminar moved"),
    "seminar.delete": _("Seminar removed"),
    "seminar.end": _("Seminar ended"),
    "seminar.reopen": _("Seminar running again"),
    "session.create": _("Seminar session added"),
    "session.delete": _("Seminar session removed"),
    "session.display_link": _("Projector link of a session issued"),
    "seminar.display_link": _("Projector link issued"),
    "seminar.wall": _("What the wall shows changed"),
    "board.phase": _("Board moved to another step"),
    "board.settings": _("Board settings changed"),
    "board.merge": _("Board items merged"),
    "group.edit": _("Board item renamed or tagged"),
    "post.hide": _("Post hidden from the wall"),
    "post.show": _("Post shown on the wall"),
    "post.edit": _("Post corrected"),
    "post.split": _("Post taken out of a merged item"),
    "groups.settings": _("Group work changed"),
    "groups.add": _("Group added"),
    "groups.per_unit": _("Groups made, one per team"),
    "groups.remove": _("Group removed"),
    "groups.logbook_link": _("Logbook link issued to a group"),
    "evaluation.edit": _("Seminar evaluation changed"),
    "evaluation.questions": _("Evaluation questions changed"),
    "documentation.release": _("Seminar documentation released"),
    "documentation.withdraw": _("Seminar documentation withdrawn"),
    "documentation.download": _("Seminar documentation downloaded"),
    "plans.export_csv": _("Team plans exported as CSV"),
    "planning.open": _("Team plans opened to phones in the room"),
    "planning.close": _("Team plans closed to phones"),
    "plan.create": _("Team plan made"),
    "plan.edit": _("Team plan changed"),
    "action.create": _("Action added"),
    "action.edit": _("Action changed"),
    "action.delete": _("Action removed"),
    "action.follow_up": _("Action followed up"),
    "action.win": _("Action put on the wins board"),
    "activity.create": _("Activity added"),
    "activity.edit": _("Activity changed"),
    "activity.delete": _("Activity deleted"),
    "activity.move": _("Activity moved"),
    "round.create": _("Survey round created"),
    "round.edit": _("Survey round changed"),
    "round.open": _("Survey round opened"),
    "round.close": _("Survey round closed"),
    "survey.setup": _("Survey set up"),
    "survey.instrument": _("Survey instrument changed"),
    "survey.items": _("Survey questions chosen"),
    "instrument.import": _("Instrument imported"),
    "instrument.new_version": _("New instrument version created"),
    "instrument.item_add": _("Question added to the instrument"),
    "instrument.item_edit": _("Question in the instrument changed"),
    "instrument.item_delete": _("Question removed from the instrument"),
    "results.export_csv": _("Results exported as CSV"),
    "results.export_xlsx": _("Results exported as Excel"),
    "report.download_full": _("Progress report downloaded"),
    "report.download_publication": _("Progress report for publication downloaded"),
    "event.create": _("Event added to the timeline"),
    "event.edit": _("Event on the timeline changed"),
    "event.delete": _("Event removed from the timeline"),
}

ROLES: dict[str, str] = {
    "facilitator": _("Facilitator"),
    "cofacilitator": _("Co-facilitator"),
    "manager": _("Manager"),
    "room": _("A phone in the room"),
    "system": _("The system (retention)"),
}

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,59}$")  # a field name, never a value


# One sentence per kind of number a row may carry, in the order they are shown.
# The strings are spelt out in the calls so that makemessages finds them.
COUNTS: dict[str, Callable[[int], str]] = {
    "participants": lambda n: (
        ngettext("%(count)s participant imported.", "%(count)s participants imported.", n)
        % {"count": n}
    ),
    "links": lambda n: (
        ngettext("%(count)s personal link issued.", "%(count)s personal links issued.", n)
        % {"count": n}
    ),
    "emailed": lambda n: (
        ngettext("%(count)s sent by e-mail.", "%(count)s sent by e-mail.", n) % {"count": n}
    ),
    "questions": lambda n: (
        ngettext("%(count)s question.", "%(count)s questions.", n) % {"count": n}
    ),
    "items": lambda n: (
        ngettext("%(count)s item merged into one.", "%(count)s items merged into one.", n)
        % {"count": n}
    ),
    "groups": lambda n: (
        ngettext("%(count)s group made.", "%(count)s groups made.", n) % {"count": n}
    ),
    "version": lambda n: gettext("Version %(version)s.") % {"version": n},
}


def record(
    request: HttpRequest,
    *,
    action: str,
    obj: models.Model | None = None,
    programme: Programme | None = None,
    workspace: Workspace | None = None,
    role: str | None = None,
    object_id: int | None = None,
    fields: Iterable[str] = (),
    counts: dict[str, int] | None = None,
) -> AuditEntry:
    """Write one audit row for a staff change; ids are copied as plain values.

    `fields` are the names of the changed fields (a form's `changed_data`), `counts` the
    numbers worth keeping (keys from COUNTS). Anything else is refused, so no free text
    can reach the log. `object_id` names an object that is already deleted (its pk is gone).
    `role` is the actor's role in the programme, found out when not given.
    """
    details = _details(fields=fields, counts=counts or {})
    user = request.user if request.user.is_authenticated else None
    if role is None:
        role = _role_in(user, programme)
    if programme is not None and workspace is None:
        workspace_id = programme.workspace_id
    else:
        workspace_id = workspace.pk if workspace is not None else None
    return AuditEntry.objects.create(
        actor_id=user.pk if user else None,
        actor="",  # people are named by id, shown by `actor_names`: erasure reaches them
        role=role,
        workspace_id=workspace_id,
        programme_id=programme.pk if programme is not None else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=_object_id(obj, object_id),
        details=details,
        request_id=getattr(request, "request_id", ""),
    )


def _role_in(user, programme: Programme | None) -> str:
    """A workspace facilitator's, or the client role of someone from the client."""
    if user is None or programme is None:
        return "facilitator"
    if Membership.objects.filter(workspace_id=programme.workspace_id, user=user).exists():
        return "facilitator"
    client_role = (
        ProgrammeManager.objects.filter(programme=programme, user=user)
        .values_list("role", flat=True)
        .first()
    )
    return client_role or "facilitator"


def _object_id(obj: models.Model | None, fallback: int | None) -> str:
    if obj is not None and obj.pk is not None:
        return str(obj.pk)
    return str(fallback) if fallback is not None else ""


def _details(*, fields: Iterable[str], counts: dict[str, int]) -> dict:
    details: dict = {}
    names = list(fields)
    for name in names:
        if not isinstance(name, str) or not IDENTIFIER.match(name):
            raise ValueError(f"not a field name: {name!r}")
    if names:
        details["fields"] = names
    for key, value in counts.items():
        if key not in COUNTS:
            raise ValueError(f"unknown count: {key!r}")
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"count {key!r} is not a number")
        details[key] = value
    return details


def actor_names(entries) -> None:
    """Give each entry an `actor_name`: the account's name, read now from its id, so an
    erased or deleted account leaves "Former user (no. N)" and never its name in the log."""
    from programmes.models import User

    entries = list(entries)
    ids = {entry.actor_id for entry in entries if entry.actor_id is not None}
    names = {user.pk: str(user) for user in User.objects.filter(pk__in=ids)}
    for entry in entries:
        if entry.actor_id is None:
            entry.actor_name = entry.actor or ""
        else:
            entry.actor_name = names.get(entry.actor_id) or gettext("Former user (no. %(id)s)") % {
                "id": entry.actor_id
            }


def action_label(code: str) -> str:
    """The action as a translated phrase; an unknown code as it is."""
    return str(ACTIONS.get(code, code))


def role_label(code: str) -> str:
    return str(ROLES.get(code, code))


def field_label(object_type: str, name: str) -> str:
    """A changed field by its model's translated name; the bare name if that is gone."""
    try:
        model = apps.get_model(object_type)
        return str(model._meta.get_field(name).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return name


def describe_details(entry: AuditEntry) -> str:
    """The row's numbers and changed fields as translated sentences."""
    details = entry.details or {}
    sentences = []
    if details.get("fields"):
        labels = [field_label(entry.object_type, name) for name in details["fields"]]
        sentences.append(gettext("Changed fields: %(fields)s.") % {"fields": ", ".join(labels)})
    for key, sentence in COUNTS.items():
        if isinstance(details.get(key), int):
            sentences.append(sentence(details[key]))
    return " ".join(sentences)
