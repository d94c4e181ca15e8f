"""The audit log covers every staff change (QUALITY L-1).

Every route that accepts POST is found by asking the URLconf (Django's admin aside) and
posting to each: a route that does not answer 405 accepts POST. Each must have a recipe
here or an exception with its reason, so a new route without either fails.

A recipe is the state a change needs and a valid POST that really changes something. Each
recipe runs twice, in a savepoint rolled back afterwards:

1. As it is: exactly one new audit row with the expected action, actor, role, programme,
   workspace and request id, naming no participant data and none of the text posted; every
   write of the request (the session, cache and rate-limit tables aside) happens in the
   audit row's own transaction.
2. With the audit row's INSERT refused (a pre_save receiver raises DatabaseError): the user
   sees the 500 page, and every table holds exactly the rows it held before, to the last
   column (a digest of each table's rows, so the changed object is compared too, not only
   the counts).

Report downloads and exports (GET) write exactly one row each; every other staff page a
GET reaches writes none, and a GET that answers with a file must be on the export list.
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import re
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import pre_save
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actionplans.forms import ActionForm, PlanForm
from actionplans.models import Action, TeamPlan
from programmes.forms import ProgrammeForm, WorkspaceSettingsForm
from programmes.models import (
    AuditEntry,
    ManagerInvitation,
    Membership,
    Participant,
    ParticipantImport,
    ProgrammeLogo,
    WorkspaceInvitation,
    new_token,
)
from seminars.forms import (
    ActivityForm,
    BoardForm,
    EvaluationControlForm,
    GroupWorkForm,
    QuestionFormSet,
    SeminarForm,
)
from seminars.models import (
    Activity,
    Board,
    Evaluation,
    GroupWork,
    Post,
    PostGroup,
    Session,
    WorkGroup,
)
from surveys.forms import ItemForm, RoundForm
from surveys.instruments import export_instrument
from surveys.models import Round
from tests.factories import ProgrammeManagerFactory, UnitFactory, closed_round
from tests.test_access_matrix import PROGRAMME_ROUTES, WORKSPACE_ROUTES, kwargs_for
from tests.test_csrf_everywhere import reverse_any, routes

# Tables a request may write outside the change's transaction: the session (saved after the
# view), Django's cache table and the failed-attempt and report counters.
OUTSIDE = {"django_session", "django_cache", "programmes_ratecounter"}
AUDIT_TABLE = AuditEntry._meta.db_table

OWN_ACCOUNT = (
    "a person's own sign-in, password or second factor: the security log's, not a staff change"
)
NOT_OFFERED = "an allauth page this app does not offer: a redirect or 404, nothing stored"
PHONE = "a participant's phone (no account): anonymous by design, never named in the audit log"
SCRIBE = "a scribe's phone in the room (no account): audited with role 'room' (test_team_plans.py)"
PERSONAL = "a personal plan, reached by the key only its owner holds: no staff ever sees it"

# POST routes that are no staff change, with the reason.
EXCEPTIONS: dict[str, str] = {
    "favicon": "a redirect to the static icon; it reads and writes nothing, whatever the method",
    "set_language": "the visitor's own language cookie",
    "login": OWN_ACCOUNT,
    "logout": OWN_ACCOUNT,
    "password_change": OWN_ACCOUNT,
    "password_reset": OWN_ACCOUNT,
    "password_reset_confirm": OWN_ACCOUNT,
    "account_login": OWN_ACCOUNT,
    "account_logout": OWN_ACCOUNT,
    "account_reauthenticate": OWN_ACCOUNT,
    "account_session_keep": OWN_ACCOUNT,
    "account_request_reauthentication_code": OWN_ACCOUNT,
    "account_confirm_reauthentication_code": OWN_ACCOUNT,
    "account_confirm_login_code": OWN_ACCOUNT,
    "mfa_authenticate": OWN_ACCOUNT,
    "mfa_reauthenticate": OWN_ACCOUNT,
    "mfa_activate_totp": OWN_ACCOUNT,
    "mfa_deactivate_totp": OWN_ACCOUNT,
    "mfa_generate_recovery_codes": OWN_ACCOUNT,
    "mfa_download_recovery_codes": OWN_ACCOUNT,
    "mfa_add_webauthn": OWN_ACCOUNT,
    "mfa_edit_webauthn": OWN_ACCOUNT,
    "mfa_remove_webauthn": OWN_ACCOUNT,
    "mfa_reauthenticate_webauthn": OWN_ACCOUNT,
    "mfa_login_webauthn": OWN_ACCOUNT,
    "account_signup": NOT_OFFERED,
    "account_email": NOT_OFFERED,
    "account_email_verification_sent": NOT_OFFERED,
    "account_confirm_email": NOT_OFFERED,
    "account_change_password": NOT_OFFERED,
    "account_set_password": NOT_OFFERED,
    "account_reset_password": NOT_OFFERED,
    "account_reset_password_done": NOT_OFFERED,
    "account_reset_password_from_key": NOT_OFFERED,
    "account_reset_password_from_key_done": NOT_OFFERED,
    "join": PHONE,
    "board_post": PHONE,
    "board_vote": PHONE,
    "group_join": PHONE,
    "group_notes": PHONE,
    "evaluation_submit": PHONE,
    "logbook": "a working group's logbook through its link (no account): the group's own notes",
    "survey_start": PHONE,
    "survey_page": PHONE,
    "survey_review": PHONE,
    "phone_action": SCRIBE,
    "phone_add_action": SCRIBE,
    "phone_follow_up": SCRIBE,
    "phone_difference": PHONE,
    "plan_start": PERSONAL,
    "plan_edit": PERSONAL,
    "plan_recover": PERSONAL,
    "plan_reflect": PERSONAL,
    "plan_share": PERSONAL,
    "plan_shared": PERSONAL,
    "plan_erase": PERSONAL,
    "plan_forget": PERSONAL,
}


# --- The state every recipe starts from ------------------------------------------------------


@dataclass
class World:
    """The cast's programme with one of everything a staff POST can change."""

    cast: object
    programme: object
    seminar: object  # the first seminar: a good-examples board, group work, an evaluation
    board: object
    post: object  # a visible post on the board, in its own item
    second_item: object  # another item of the board, to merge
    work: object
    table: object  # a group of the group work
    evaluation: object
    improvement_item: object  # a voted improvement area of the second seminar
    planning: object  # the second seminar's team plans row
    draft_round: object
    event: object
    plan: object
    action: object
    done_action: object
    participant: object
    session: object
    invitation: object
    manager: object
    instrument: object  # the workspace's own, editable version

    @property
    def pk(self) -> int:
        return self.programme.pk

    @property
    def workspace(self):
        return self.programme.workspace

    def seminar_kwargs(self, seminar=None) -> dict:
        return {"pk": self.pk, "seminar_id": (seminar or self.seminar).pk}

    def activity_kwargs(self, activity) -> dict:
        return {**self.seminar_kwargs(activity.seminar), "activity_id": activity.pk}


def build_world(cast) -> World:
    from surveys import services as survey_services

    programme = cast.programme
    seminar = programme.seminars.get(number=1)
    board = Board.objects.get(activity__seminar=seminar)
    post = _post(board, "Vi hjælper hinanden ved vagtskifte")
    second = _post(board, "Lederen lytter når vi siger fra")
    improvement_board = Board.objects.get(
        activity__seminar__number=2, activity__seminar__programme=programme
    )
    improvement = _post(improvement_board, "Vi får for sent besked om vagtændringer")
    work = GroupWork.objects.get(activity__seminar=seminar)
    survey_services.get_or_create_setup(programme=programme)
    plan = TeamPlan.objects.create(programme=programme, title="Bedre overlap")
    own = survey_services.new_instrument_version(
        instrument=survey_services.standard_instrument(), workspace=programme.workspace
    )
    return World(
        cast=cast,
        programme=programme,
        seminar=seminar,
        board=board,
        post=post,
        second_item=second.group,
        work=work,
        table=WorkGroup.objects.create(work=work, name="Bord 1"),
        evaluation=Evaluation.objects.get(activity__seminar=seminar),
        improvement_item=improvement.group,
        planning=Activity.objects.get(
            seminar__programme=programme, seminar__number=2, kind="planning"
        ),
        draft_round=Round.objects.create(programme=programme, seminar=seminar, title="Baseline"),
        event=programme.events.create(date="2026-01-15", text="Ny leder tiltrådt"),
        plan=plan,
        action=Action.objects.create(plan=plan, text="Tjekliste ved overlap"),
        done_action=Action.objects.create(plan=plan, text="Fælles kaffe", status="done"),
        participant=programme.participants.order_by("pk").first(),
        session=Session.objects.create(seminar=seminar, label="Nattevagt"),
        invitation=ManagerInvitation.objects.create(
            programme=programme,
            email="chef.invited@example.org",
            token_hash=new_token()[1],
            expires_at=timezone.now() + datetime.timedelta(days=3),
        ),
        manager=programme.managers.get(user=cast.manager),
        instrument=own,
    )


def _post(board, text: str) -> Post:
    group = PostGroup.objects.create(board=board)
    return Post.objects.create(
        board=board, group=group, key=uuid.uuid4(), text=text, state=Post.State.VISIBLE
    )


def filled(form, **changes) -> dict:
    """What a browser posts for `form` as the page shows it, with `changes` typed in."""
    data: dict = {}
    parts = [form] if not isinstance(form, forms.BaseFormSet) else [form.management_form, *form]
    for part in parts:
        for bound in part:
            value = bound.field.prepare_value(bound.value())
            if isinstance(bound.field, forms.BooleanField):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif value is not None:
                data[bound.html_name] = str(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


# --- Recipes: one per route name ----------------------------------------------------------------
# A new staff POST route gets its entry here (a tuple when it makes more than one change), or
# a reason in EXCEPTIONS; the first test names any route that has neither.

Posted = tuple[dict, dict]  # (URL kwargs, POST data)


@dataclass(frozen=True)
class Recipe:
    """A valid change through one route, and the audit row it must leave."""

    action: str
    post: Callable[[World], Posted]
    scope: str = "programme"  # the row names a programme (and its workspace), or a workspace
    actor: str = "facilitator"  # who posts: the cast's facilitator, or an invitee (see INVITEES)
    role: str = "facilitator"
    # Why writes may follow the audited transaction (the row and the change stay one).
    later_writes: str = ""
    # The rows of further changes the same POST makes, each in the same transaction.
    also: tuple[str, ...] = ()
    makes_it: bool = False  # the change makes the programme or workspace its row names


def _programme_create(w: World) -> Posted:
    return {}, {
        "workspace": w.workspace.pk,
        "organisation": "Åby Kommun, Äldreomsorgen",
        "title": "Socialt kapital 2027",
        "language": "sv",
        "min_group_size": 5,
        "team_change_threshold": 8,
        "programme_change_threshold": 5,
        "template": "four_seminars",
    }


def _logo(w: World) -> Posted:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 2"><rect width="4"/></svg>'
    return {"pk": w.pk}, {"logo": SimpleUploadedFile("logo.svg", svg, "image/svg+xml")}


def _logo_remove(w: World) -> Posted:
    ProgrammeLogo.objects.create(
        programme=w.programme, content=b"<svg/>", content_type="image/svg+xml", width=1, height=1
    )
    return {"pk": w.pk}, {"remove": "1"}


def _unit_delete(w: World) -> Posted:
    empty = UnitFactory(programme=w.programme, name="Tom enhed")
    return {"pk": w.pk, "unit_id": empty.pk}, {}


def _participant_import(w: World) -> Posted:
    csv = b"Navn;E-mail;Enhed\r\nMette Hansen;mette.h@example.dk;South\r\n"
    return {"pk": w.pk}, {"file": SimpleUploadedFile("deltagere.csv", csv, "text/csv")}


def _participant_import_confirm(w: World) -> Posted:
    staged = ParticipantImport.objects.create(
        programme=w.programme,
        created_by=w.cast.facilitator,
        filename="deltagere.csv",
        rows=[["Mette Hansen", "mette.h@example.dk", w.cast.units["South"].pk]],
    )
    return {"pk": w.pk}, {"staged": str(staged.pk)}


def _round_close(w: World) -> Posted:
    from surveys import services

    services.open_round(round=w.draft_round)
    return {"pk": w.pk, "round_id": w.draft_round.pk}, {"confirm": "yes"}


def _instrument_import(w: World) -> Posted:
    own = w.instrument
    document = export_instrument("Vores egne spørgsmål", 1, own.items.all())
    content = json.dumps(document).encode()
    return {}, {
        "workspace": w.workspace.pk,
        "file": SimpleUploadedFile("i.json", content, "application/json"),
    }


def _instrument_item(w: World, **changes) -> Posted:
    item = w.instrument.items.order_by("pk").first()
    data = filled(ItemForm(instance=item, instrument=w.instrument), **changes)
    return {"instrument_id": w.instrument.pk, "item_id": item.pk}, data


def _workspace_invitation(w: World) -> WorkspaceInvitation:
    return WorkspaceInvitation.objects.create(
        workspace=w.workspace,
        email="kollega.invited@example.org",
        token_hash=new_token()[1],
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )


def _colleague(w: World) -> dict:
    member = Membership.objects.get(workspace=w.workspace, user=w.cast.colleague)
    return {"workspace_id": w.workspace.pk, "member_id": member.pk}


def _action_row(w: World, action, **changes) -> dict:
    form = ActionForm(instance=action, prefix=f"a{action.pk}", initial={"version": action.version})
    return filled(form, **{f"a{action.pk}-{name}": value for name, value in changes.items()})


def _evaluation_questions(w: World) -> Posted:
    from seminars import evaluations

    evaluations.questions_for(w.programme)
    formset = QuestionFormSet(queryset=w.programme.evaluation_questions.all())
    first = formset.forms[0].prefix
    return {"pk": w.pk}, filled(formset, **{f"{first}-text": "Hvad tager du med hjem i dag?"})


def _plan_from_item(w: World) -> Posted:
    return {"pk": w.pk, "item_id": w.improvement_item.pk}, {}


def _action_kwargs(w: World, action) -> dict:
    return {"pk": w.pk, "plan_id": w.plan.pk, "action_id": action.pk}


def _board(w: World) -> dict:
    return w.activity_kwargs(w.board.activity)


def _work(w: World) -> dict:
    return w.activity_kwargs(w.work.activity)


RECIPES: dict[str, Recipe | tuple[Recipe, ...]] = {
    # Programmes
    "programme_create": Recipe("programme.create", _programme_create, makes_it=True),
    "programme_edit": Recipe(
        "programme.edit",
        lambda w: (
            {"pk": w.pk},
            filled(ProgrammeForm(instance=w.programme), title="Social kapital i Nordby"),
        ),
    ),
    "programme_archive": (
        Recipe("programme.archive", lambda w: ({"pk": w.pk}, {"archive": "1"})),
        Recipe("programme.restore", lambda w: _restore(w)),
    ),
    "programme_logo": (
        Recipe("programme.logo", _logo),
        Recipe("programme.logo_remove", _logo_remove),
    ),
    "programme_delete": Recipe(
        "programme.delete",
        lambda w: ({"pk": w.pk}, {"confirm": w.programme.title}),
        later_writes="its rows are purged in batches after the programme is marked deleted",
    ),
    # Units and participants
    "units": Recipe("unit.create", lambda w: ({"pk": w.pk}, {"name": "Vest afsnit", "parent": ""})),
    "unit_edit": Recipe(
        "unit.edit",
        lambda w: (
            {"pk": w.pk, "unit_id": w.cast.units["South"].pk},
            {"name": "Syd afsnit", "parent": ""},
        ),
    ),
    "unit_delete": Recipe("unit.delete", _unit_delete),
    "participants": Recipe(
        "participant.create",
        lambda w: (
            {"pk": w.pk},
            {
                "name": "Mette Hansen",
                "email": "mette.h@example.dk",
                "unit": w.cast.units["South"].pk,
            },
        ),
    ),
    "participant_edit": Recipe(
        "participant.edit",
        lambda w: (
            {"pk": w.pk, "participant_id": w.participant.pk},
            {"name": "Mette Hansen Berg", "email": "", "unit": w.cast.units["South"].pk},
        ),
    ),
    "participant_delete": Recipe(
        "participant.delete",
        lambda w: ({"pk": w.pk, "participant_id": w.participant.pk}, {}),
    ),
    "participant_import": Recipe("participant.upload", _participant_import),
    "participant_import_confirm": Recipe("participant.import", _participant_import_confirm),
    "participant_links": (
        Recipe("participant.issue_links", lambda w: ({"pk": w.pk}, {"scope": "all"})),
        Recipe(
            "participant.issue_links",
            lambda w: ({"pk": w.pk}, {"scope": "unissued", "send": "email", "format": "pdf"}),
        ),
    ),
    # Managers
    "managers": (
        Recipe(
            "manager.invite",
            lambda w: ({"pk": w.pk}, {"email": "chef.ny@example.dk", "unit": ""}),
        ),
        Recipe(
            "cofacilitator.invite",
            lambda w: (
                {"pk": w.pk},
                {"email": "hr@example.dk", "role": "cofacilitator", "unit": ""},
            ),
        ),
    ),
    "programme_hand_over": (
        Recipe("programme.hand_over", lambda w: _hand_over(w, handed=False)),
        Recipe("programme.take_back", lambda w: _hand_over(w, handed=True)),
    ),
    "manager_revoke": Recipe(
        "manager.revoke", lambda w: ({"pk": w.pk, "manager_id": w.manager.pk}, {})
    ),
    "invitation_cancel": Recipe(
        "manager.cancel_invitation",
        lambda w: ({"pk": w.pk, "invitation_id": w.invitation.pk}, {}),
    ),
    "manager_invitation_continue": Recipe(
        "manager.accept", lambda w: ({}, INVITEE_FORM), actor="manager invitee", role="manager"
    ),
    # Workspaces
    "workspace_create": Recipe(
        "workspace.create",
        lambda w: ({}, {"name": "Trivsel Syd ApS"}),
        scope="workspace",
        makes_it=True,
    ),
    "workspace_settings": Recipe(
        "workspace.settings",
        lambda w: (
            {"workspace_id": w.workspace.pk},
            filled(WorkspaceSettingsForm(instance=w.workspace), name="Trivsel og Trygbed ApS"),
        ),
        scope="workspace",
    ),
    "workspace_invite": Recipe(
        "workspace.invite",
        lambda w: ({"workspace_id": w.workspace.pk}, {"email": "ny.kollega@example.dk"}),
        scope="workspace",
    ),
    "workspace_invitation_cancel": Recipe(
        "workspace.cancel_invitation",
        lambda w: (
            {"workspace_id": w.workspace.pk, "invitation_id": _workspace_invitation(w).pk},
            {},
        ),
        scope="workspace",
    ),
    "workspace_member_remove": Recipe(
        "workspace.remove", lambda w: (_colleague(w), {}), scope="workspace"
    ),
    "workspace_owner": Recipe("workspace.owner", lambda w: (_colleague(w), {}), scope="workspace"),
    "workspace_invitation_continue": Recipe(
        "workspace.join", lambda w: ({}, INVITEE_FORM), scope="workspace", actor="workspace invitee"
    ),
    # Seminars, sittings and the agenda
    "seminar_add": Recipe(
        "seminar.create", lambda w: ({"pk": w.pk}, {"title": "Et år efter: hvor står vi"})
    ),
    "seminar_detail": Recipe(
        "seminar.edit",
        lambda w: (
            w.seminar_kwargs(),
            filled(SeminarForm(instance=w.seminar), place="Rådhuset, sal 2"),
        ),
    ),
    "seminar_move": Recipe("seminar.move", lambda w: (w.seminar_kwargs(), {"direction": "down"})),
    "seminar_remove": Recipe(
        "seminar.delete",
        lambda w: (
            w.seminar_kwargs(w.programme.seminars.get(number=4)),
            {"confirm": w.programme.seminars.get(number=4).title},
        ),
    ),
    "seminar_end": (
        Recipe("seminar.end", lambda w: (w.seminar_kwargs(), {"end": "1"})),
        Recipe("seminar.reopen", lambda w: _reopen(w)),
    ),
    "session_add": Recipe(
        "session.create",
        lambda w: (w.seminar_kwargs(), {"label": "Aftenvagt", "date": "2027-02-03", "place": ""}),
    ),
    "session_remove": Recipe(
        "session.delete", lambda w: ({**w.seminar_kwargs(), "session_id": w.session.pk}, {})
    ),
    "session_display_open": Recipe(
        "session.display_link",
        lambda w: ({**w.seminar_kwargs(), "session_id": w.session.pk}, {}),
    ),
    "display_open": Recipe("seminar.display_link", lambda w: (w.seminar_kwargs(), {})),
    "seminar_wall": Recipe("seminar.wall", lambda w: (w.seminar_kwargs(), {"wall": "change"})),
    "activity_add": Recipe(
        "activity.create",
        lambda w: (
            w.seminar_kwargs(),
            {
                "title": "Frokost i kantinen",
                "starts_at": "12:00",
                "ends_at": "12:45",
                "kind": "break",
            },
        ),
    ),
    "activity_edit": Recipe(
        "activity.edit",
        lambda w: (
            w.activity_kwargs(w.seminar.activities.order_by("position").first()),
            filled(
                ActivityForm(instance=w.seminar.activities.order_by("position").first()),
                title="Velkommen og formål igen",
            ),
        ),
    ),
    "activity_delete": Recipe(
        "activity.delete",
        lambda w: (w.activity_kwargs(w.seminar.activities.order_by("position").first()), {}),
    ),
    "activity_move": Recipe(
        "activity.move",
        lambda w: (
            w.activity_kwargs(w.seminar.activities.order_by("position").first()),
            {"direction": "down"},
        ),
    ),
    "activity_present": Recipe("seminar.wall", lambda w: (_board(w), {})),
    # Boards
    "board_phase": Recipe("board.phase", lambda w: (_board(w), {"phase": "collect"})),
    "board_settings": Recipe(
        "board.settings",
        lambda w: (
            _board(w),
            filled(BoardForm(instance=w.board), question="Hvad lykkedes for os i år?"),
        ),
    ),
    "board_merge": Recipe(
        "board.merge",
        lambda w: (_board(w), {"items": [str(w.post.group_id), str(w.second_item.pk)]}),
    ),
    "board_post_action": (
        Recipe("post.hide", lambda w: ({**_board(w), "post_id": w.post.pk}, {"action": "hide"})),
        Recipe("post.split", lambda w: _split(w)),
    ),
    "board_post_edit": Recipe(
        "post.edit",
        lambda w: (
            {**_board(w), "post_id": w.post.pk},
            {"text": "Vi hjælper hinanden ved vagtskiftet"},
        ),
    ),
    "board_group_edit": Recipe(
        "group.edit",
        lambda w: (
            {**_board(w), "group_id": w.post.group_id},
            {"title": "Hjælp ved vagtskifte", "dimension": "trust"},
        ),
    ),
    # Group work
    "group_settings": Recipe(
        "groups.settings",
        lambda w: (_work(w), filled(GroupWorkForm(instance=w.work), question="Hvad ser vi nu?")),
    ),
    "group_add": (
        Recipe("groups.add", lambda w: (_work(w), {"name": "Bord to ved vinduet"})),
        Recipe("groups.per_unit", lambda w: (_work(w), {"per_unit": "1"})),
    ),
    "group_remove": Recipe("groups.remove", lambda w: ({**_work(w), "group_id": w.table.pk}, {})),
    "group_present": Recipe("seminar.wall", lambda w: (_work(w), {"group": str(w.table.pk)})),
    "group_logbook_link": Recipe(
        "groups.logbook_link", lambda w: ({**_work(w), "group_id": w.table.pk}, {})
    ),
    # Evaluations and documentation
    "evaluation_control": Recipe(
        "evaluation.edit",
        lambda w: (
            w.activity_kwargs(w.evaluation.activity),
            filled(EvaluationControlForm(instance=w.evaluation), is_open="on"),
        ),
    ),
    "evaluation_questions": Recipe("evaluation.questions", _evaluation_questions),
    "seminar_documentation": Recipe(
        "seminar.edit",
        lambda w: (w.seminar_kwargs(), {"summary": "Vi blev enige om tre ting til næste gang"}),
    ),
    "documentation_release": (
        Recipe("documentation.release", lambda w: (w.seminar_kwargs(), {"release": "1"})),
        Recipe("documentation.withdraw", lambda w: _withdraw(w)),
    ),
    # Survey rounds, set-up, instruments and the timeline
    "rounds": Recipe(
        "round.create",
        lambda w: ({"pk": w.pk}, filled(RoundForm(seminars=[w.seminar]), title="Gentagen måling")),
    ),
    "round_detail": Recipe(
        "round.edit",
        lambda w: (
            {"pk": w.pk, "round_id": w.draft_round.pk},
            filled(
                RoundForm(instance=w.draft_round, seminars=list(w.programme.seminars.all())),
                title="Første måling",
            ),
        ),
    ),
    "round_open": Recipe("round.open", lambda w: ({"pk": w.pk, "round_id": w.draft_round.pk}, {})),
    "round_close": Recipe("round.close", _round_close),
    "survey_setup": Recipe(
        "survey.items",
        lambda w: (
            {"pk": w.pk},
            {
                "action": "items",
                # every question of the instrument: the core ones are chosen now
                "items": [str(i.pk) for i in w.programme.survey_setup.instrument.items.all()],
            },
        ),
    ),
    "instruments": Recipe("instrument.import", _instrument_import, scope="workspace"),
    "instrument_detail": Recipe(
        "instrument.item_add",
        lambda w: (
            {"instrument_id": w.instrument.pk},
            {
                **filled(ItemForm(instrument=w.instrument)),
                "key": "own_1",
                "subdimension": w.instrument.items.first().subdimension,
                "text_da": "Jeg kan sige fra over for min leder",
                "text_sv": "Jag kan säga ifrån till min chef",
                "text_en": "I can speak up to my manager",
            },
        ),
        scope="workspace",
    ),
    "instrument_item_edit": Recipe(
        "instrument.item_edit",
        lambda w: _instrument_item(w, text_en="We trust each other at work, mostly"),
        scope="workspace",
    ),
    "instrument_item_delete": Recipe(
        "instrument.item_delete",
        lambda w: (_instrument_item(w)[0], {}),
        scope="workspace",
    ),
    "instrument_new_version": Recipe(
        "instrument.new_version",
        lambda w: ({"instrument_id": w.instrument.pk}, {"workspace": str(w.workspace.pk)}),
        scope="workspace",
    ),
    "event_add": Recipe(
        "event.create",
        lambda w: ({"pk": w.pk}, {"date": "2026-03-01", "text": "Omorganisering af nattevagten"}),
    ),
    "event_edit": Recipe(
        "event.edit",
        lambda w: (
            {"pk": w.pk, "event_id": w.event.pk},
            {"date": "2026-01-16", "text": "Ny leder tiltrådt i Syd"},
        ),
    ),
    "event_delete": Recipe("event.delete", lambda w: ({"pk": w.pk, "event_id": w.event.pk}, {})),
    # Team plans
    "plans": Recipe(
        "plan.create", lambda w: ({"pk": w.pk}, {"title": "Bedre vagtskifte om natten"})
    ),
    "plan_detail": Recipe(
        "plan.edit",
        lambda w: (
            {"pk": w.pk, "plan_id": w.plan.pk},
            filled(
                PlanForm(instance=w.plan, initial={"version": w.plan.version}),
                goal="Ingen overraskelser ved vagtskifte",
            ),
        ),
    ),
    "action_add": Recipe(
        "action.create",
        lambda w: (
            {"pk": w.pk, "plan_id": w.plan.pk},
            {"new-text": "Fast tjekliste ved overlap", "new-status": "planned"},
        ),
    ),
    "action_edit": Recipe(
        "action.edit",
        lambda w: (_action_kwargs(w, w.action), _action_row(w, w.action, status="in_progress")),
    ),
    "action_delete": Recipe("action.delete", lambda w: (_action_kwargs(w, w.action), {})),
    "action_follow_up": Recipe(
        "action.follow_up",
        lambda w: (
            _action_kwargs(w, w.action),
            {"key": str(uuid.uuid4()), "status": "in_progress", "note": "Vi er godt i gang nu"},
        ),
    ),
    "action_win": Recipe("action.win", lambda w: (_action_kwargs(w, w.done_action), {})),
    "plan_from_item": Recipe("plan.create", _plan_from_item),
    "planning_open": (
        Recipe("planning.open", lambda w: (w.activity_kwargs(w.planning), {"open": "1"})),
        Recipe("planning.close", lambda w: _close_planning(w)),
        Recipe(
            "planning.open",
            lambda w: (w.activity_kwargs(w.planning), {"open": "1", "wall": "1"}),
            also=("seminar.wall",),
        ),
    ),
}


def _hand_over(w: World, *, handed: bool) -> Posted:
    """There is a co-facilitator to hand the programme to; it is handed over already when
    the recipe takes it back."""
    from programmes.models import ClientRole

    ProgrammeManagerFactory(programme=w.programme, role=ClientRole.COFACILITATOR)
    if handed:
        type(w.programme).objects.filter(pk=w.pk).update(handed_over_at=timezone.now())
    return {"pk": w.pk}, {"handed_over": "0" if handed else "1"}


def _restore(w: World) -> Posted:
    from programmes import services

    services.set_archived(programme=w.programme, archived=True)
    return {"pk": w.pk}, {"archive": "0"}


def _reopen(w: World) -> Posted:
    w.seminar.ended_at = timezone.now()
    w.seminar.save(update_fields=["ended_at"])
    return w.seminar_kwargs(), {"end": "0"}


def _close_planning(w: World) -> Posted:
    from actionplans.models import PlanningRun

    PlanningRun.objects.create(activity=w.planning, is_open=True)
    return w.activity_kwargs(w.planning), {"open": "0"}


def _withdraw(w: World) -> Posted:
    from seminars import services

    services.release_documentation(request=None, seminar=w.seminar)
    return w.seminar_kwargs(), {"release": "0"}


def _split(w: World) -> Posted:
    moved = _post(w.board, "Vi siger godmorgen til hinanden")
    Post.objects.filter(pk=moved.pk).update(group=w.post.group)
    return {**_board(w), "post_id": moved.pk}, {"action": "split"}


INVITEE_FORM = {
    "first_name": "Karin",
    "last_name": "Lund",
    "new_password1": "a long Swedish summer 2027",
    "new_password2": "a long Swedish summer 2027",
}


def _invitee_client(w: World, kind: str) -> Client:
    """A browser that opened the e-mailed link: the token now lives in its session."""
    token, token_hash = new_token()
    expires = timezone.now() + datetime.timedelta(days=3)
    if kind == "manager invitee":
        ManagerInvitation.objects.create(
            programme=w.programme,
            email="karin.lund@example.se",
            token_hash=token_hash,
            expires_at=expires,
        )
        link = reverse("invitation_accept", args=[token])
    else:
        WorkspaceInvitation.objects.create(
            workspace=w.workspace,
            email="karin.lund@example.se",
            token_hash=token_hash,
            expires_at=expires,
        )
        link = reverse("workspace_invitation", args=[token])
    client = Client(raise_request_exception=False)
    assert client.get(link).status_code == 302
    return client


def recipes() -> list[tuple[str, Recipe]]:
    found = []
    for name, entry in RECIPES.items():
        for recipe in entry if isinstance(entry, tuple) else (entry,):
            found.append((name, recipe))
    return found


# --- Measuring: every table's rows, every write's transaction -------------------------------


def table_digests() -> dict[str, tuple[int, str]]:
    """Each table's row count and a digest of all its rows, in one query."""
    tables = [t for t in connection.introspection.table_names() if t not in OUTSIDE]
    parts = [
        f"SELECT '{t}', count(*), md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) "
        f'FROM "{t}" r'
        for t in tables
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return {table: (count, digest) for table, count, digest in cursor.fetchall()}


def changed_tables(before: dict, after: dict) -> dict:
    return {
        table: (before.get(table), after.get(table))
        for table in before.keys() | after.keys()
        if before.get(table) != after.get(table)
    }


WRITE = re.compile(r'^\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+"(\w+)"', re.IGNORECASE)


class Writes:
    """Every INSERT, UPDATE and DELETE of a request, with the transaction it ran in: the
    request's outermost savepoint (the test itself runs in a transaction, so a view's
    `atomic()` is a savepoint here), or None for a write outside any of the view's."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str | None]] = []
        self.base = len(connection.savepoint_ids)

    def __call__(self, execute, sql, params, many, context):
        match = WRITE.match(sql)
        if match and match.group(1) not in OUTSIDE:
            ids = connection.savepoint_ids
            self.rows.append((match.group(1), ids[self.base] if len(ids) > self.base else None))
        return execute(sql, params, many, context)

    def problems(self, later_writes: str) -> list[str]:
        audits = [tx for table, tx in self.rows if table == AUDIT_TABLE]
        if not audits or audits[0] is None:
            return ["the audit row is written outside any transaction of the view"]
        own = audits[0]
        last_own = max(i for i, (_t, tx) in enumerate(self.rows) if tx == own)
        stray = [
            table
            for i, (table, tx) in enumerate(self.rows)
            if tx != own and not (later_writes and i > last_own)
        ]
        if stray:
            return [f"written outside the audit row's transaction: {sorted(set(stray))}"]
        return []


def refuse_audit_rows(sender, **kwargs):
    raise DatabaseError("the audit log refuses this row (test)")


def sensitive_strings(data: dict) -> set[str]:
    """Participant names and e-mails (read before the POST, which may delete one), and the
    free text posted: none may reach the log."""
    found = {INVITEE_FORM["first_name"], INVITEE_FORM["last_name"], "karin.lund@example.se"}
    for name, email in Participant.objects.values_list("name", "email"):
        found |= {name, email}
    for value in data.values():
        # Numbers and choice codes ("cofacilitator") are not free text.
        free_text = isinstance(value, str) and not value.isdigit()
        free_text = free_text and not re.fullmatch(r"[a-z_]+", value)
        if free_text and (" " in value or "@" in value or len(value) >= 12):
            found.add(value)
    return {text for text in found if text}


def row_problems(row: AuditEntry, recipe: Recipe, w: World, secrets: set[str], response):
    """What is wrong with one new audit row, as sentences."""
    problems = []
    if row.actor_id is None:
        problems.append("no actor_id")
    elif recipe.actor == "facilitator" and row.actor_id != w.cast.facilitator.pk:
        problems.append("actor_id is not the facilitator's")
    if row.role != recipe.role:
        problems.append(f"role {row.role!r}, expected {recipe.role!r}")
    problems += _id_problems(row, recipe, w)
    if not row.request_id or row.request_id != response.get("X-Request-ID"):
        problems.append("request_id missing or not the request's")
    if row.actor or row.summary:
        problems.append("free text in actor or summary")
    written = json.dumps(model_to_dict(row), default=str, ensure_ascii=False)
    leaked = sorted(text for text in secrets if text in written)
    if leaked:
        problems.append(f"participant data or posted text in the row: {leaked}")
    return problems


def _id_problems(row: AuditEntry, recipe: Recipe, w: World) -> list[str]:
    """The row names the programme and workspace changed: the world's, or the new one."""
    from programmes.models import Programme

    if recipe.scope == "workspace":
        if row.programme_id is not None:
            return ["a workspace change names a programme"]
        if recipe.makes_it:
            mine = Membership.objects.filter(workspace_id=row.workspace_id, user=w.cast.facilitator)
            return [] if mine.exists() else ["workspace_id is not the new workspace"]
        return [] if row.workspace_id == w.workspace.pk else ["workspace_id is not the workspace"]
    if recipe.makes_it:
        made = Programme.objects.filter(pk=row.programme_id, workspace_id=row.workspace_id)
        return [] if made.exists() else ["programme_id is not the new programme"]
    problems = []
    if row.programme_id != w.pk:
        problems.append(f"programme_id {row.programme_id}, expected {w.pk}")
    if row.workspace_id != w.workspace.pk:
        problems.append(f"workspace_id {row.workspace_id}, expected {w.workspace.pk}")
    return problems


def client_for(recipe: Recipe, w: World) -> Client:
    if recipe.actor == "facilitator":
        client = Client(raise_request_exception=False)
        client.force_login(w.cast.facilitator)
        return client
    return _invitee_client(w, recipe.actor)


def run(name: str, recipe: Recipe, w: World, *, refuse: bool) -> list[str]:
    """Post the recipe once, in a savepoint rolled back afterwards; what went wrong."""
    problems: list[str] = []
    with transaction.atomic():
        client = client_for(recipe, w)
        kwargs, data = recipe.post(w)
        url = reverse(name, kwargs=kwargs)
        secrets = sensitive_strings(data)
        before = table_digests()
        rows_before = set(AuditEntry.objects.values_list("pk", flat=True))
        writes = Writes()
        if refuse:  # the 500's traceback is expected: kept out of the test's output
            pre_save.connect(refuse_audit_rows, sender=AuditEntry, dispatch_uid="refuse")
            logging.disable(logging.CRITICAL)
        try:
            with connection.execute_wrapper(writes):
                response = client.post(url, data)
        finally:
            pre_save.disconnect(sender=AuditEntry, dispatch_uid="refuse")
            logging.disable(logging.NOTSET)
        after = table_digests()
        if refuse:
            if response.status_code != 500:
                problems.append(f"answered {response.status_code} with the audit refused, not 500")
            changed = changed_tables(before, after)
            if changed:
                problems.append(f"changed without its audit row: {sorted(changed)}")
        else:
            new = list(AuditEntry.objects.exclude(pk__in=rows_before).order_by("pk"))
            if response.status_code >= 400:
                problems.append(f"answered {response.status_code}")
            expected = [recipe.action, *recipe.also]
            if [row.action for row in new] != expected:
                problems.append(f"audit rows {[row.action for row in new]}, expected {expected}")
            else:
                for row in new:
                    problems += row_problems(row, recipe, w, secrets, response)
            changed = changed_tables(before, after)
            changed.pop(AUDIT_TABLE, None)
            if not changed:
                problems.append("the POST changed nothing: not a recipe of a change")
            problems += writes.problems(recipe.later_writes)
        transaction.set_rollback(True)
    return problems


# --- The tests ---------------------------------------------------------------------------------


def post_routes(user) -> dict[str, int]:
    """Every named route (the admin's aside) that does not answer POST with 405, with the
    status it gave to an empty POST by a signed-in facilitator (each rolled back)."""
    samples: dict[str, list[dict]] = {}
    for name, sample in routes():
        samples.setdefault(name, []).append(sample)
    found = {}
    client = Client(raise_request_exception=False)
    for name in sorted(samples):
        url = reverse_any(name, samples[name])
        with transaction.atomic():
            client.force_login(user)  # a POST to logout ends the session before the next
            status = client.post(url, {}).status_code
            transaction.set_rollback(True)
        if status != 405:
            found[name] = status
    return found


@pytest.mark.django_db
def test_every_post_route_has_a_recipe_or_a_reason(cast):
    # Made sure it can fail: with "favicon" taken off EXCEPTIONS it named that route.
    accepting = post_routes(cast.facilitator)
    assert "units" in accepting and "home" not in accepting  # the probe tells POST from GET
    missing = sorted(set(accepting) - RECIPES.keys() - EXCEPTIONS.keys())
    assert not missing, f"POST routes with neither a recipe nor an exception: {missing}"
    stale = sorted((RECIPES.keys() | EXCEPTIONS.keys()) - set(accepting))
    assert not stale, f"recipes or exceptions for routes that take no POST: {stale}"
    assert not RECIPES.keys() & EXCEPTIONS.keys()
    staff = [name for name in accepting if name not in EXCEPTIONS]
    print(f"{len(accepting)} routes take POST: {len(staff)} staff, {len(EXCEPTIONS)} exceptions")


@pytest.mark.django_db
def test_every_staff_post_writes_one_audit_row_in_the_transaction_of_its_change(cast):
    # Made sure it can fail: before the views were fixed, 43 of the runs failed (the row
    # outside the change's transaction, the change kept when the row was refused). Broken
    # once more on purpose: with programme_archive's record() taken out of its atomic block
    # both runs failed; with participant_links' record() removed it reported "audit rows []";
    # with record() writing the posted values into `summary`, every recipe that posts text
    # reported the text (and participants' names and e-mails) in the row.
    w = build_world(cast)
    failures: dict[str, list[str]] = {}
    routes_ok: dict[str, bool] = {}
    for name, recipe in recipes():
        problems = run(name, recipe, w, refuse=False)
        problems += [f"refused: {p}" for p in run(name, recipe, w, refuse=True)]
        label = f"{name} ({recipe.action})"
        print(f"{label}: {'ok' if not problems else '; '.join(problems)}")
        if problems:
            failures[label] = problems
        routes_ok[name] = routes_ok.get(name, True) and not problems
    audited = sum(routes_ok.values())
    print(
        f"{len(RECIPES)} staff POST routes, {audited} audited in the same transaction, "
        f"{len(EXCEPTIONS)} exceptions"
    )
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)


# GET routes that hand out a file: (route, who, query) -> the action of their one row.
EXPORTS: dict[tuple[str, str, str], str] = {
    ("report_pdf", "facilitator", ""): "report.download_full",
    ("report_pdf", "facilitator", "version=publication"): "report.download_publication",
    ("report_pdf", "manager", ""): "report.download_full",
    ("programme_export", "facilitator", ""): "programme.export",
    ("results_export", "facilitator", "csv"): "results.export_csv",
    ("results_export", "facilitator", "xlsx"): "results.export_xlsx",
    ("results_export", "manager", "xlsx"): "results.export_xlsx",
    ("plans_export", "facilitator", ""): "plans.export_csv",
    ("plans_export", "manager", ""): "plans.export_csv",
    ("seminar_documentation_pdf", "facilitator", ""): "documentation.download",
    ("seminar_documentation_pdf", "manager", ""): "documentation.download",
}
# Files that are no programme's data, so no export of it.
NOT_EXPORTS = {
    "programme_logo_image": "the programme's own logo, shown on its settings page",
    "instrument_export": "an instrument's questions: no programme's data, no person",
}


def _looks_like(name: str, response) -> None:
    """The file is real: PDFs open in pypdf, the zip holds the report, the CSV has its BOM."""
    from pypdf import PdfReader

    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"] == "application/pdf":
        assert len(PdfReader(io.BytesIO(body)).pages) >= 1, name
    elif response["Content-Type"] == "application/zip":
        names = zipfile.ZipFile(io.BytesIO(body)).namelist()
        assert any(n.endswith(".pdf") for n in names), (name, names)
    elif response["Content-Type"].startswith("text/csv"):
        assert body.startswith("\ufeff".encode()), name
    else:
        assert zipfile.is_zipfile(io.BytesIO(body)), name  # XLSX is a zip


def _is_file(response) -> bool:
    disposition = response.get("Content-Disposition", "")
    kind = response.get("Content-Type", "")
    return disposition.startswith("attachment") or not kind.startswith(
        ("text/html", "application/json")
    )


@pytest.mark.django_db
def test_downloads_write_one_row_and_pages_none(cast):
    # Made sure it can fail: with plans_export's record() removed, it reported no row.
    closed_round(cast.programme, "Lukket", {cast.units["South"]: (3, 6)})
    staff = Client()
    staff.force_login(cast.facilitator)
    manager = Client()
    manager.force_login(cast.manager)
    clients = {"facilitator": staff, "manager": manager}
    checked = {"exports": 0, "pages": 0}
    readable = [name for name, (methods, _m) in PROGRAMME_ROUTES.items() if "GET" in methods]
    readable += [name for name, (methods, _m) in WORKSPACE_ROUTES.items() if "GET" in methods]
    for name in readable:
        if name.startswith("workspace"):
            url = reverse(name, kwargs={"workspace_id": cast.programme.workspace_id})
        else:
            url = reverse(name, kwargs=kwargs_for(name, cast))
        before = AuditEntry.objects.count()
        response = staff.get(url)
        assert response.status_code == 200, (name, response.status_code)
        written = AuditEntry.objects.count() - before
        exported = any(key[0] == name for key in EXPORTS)
        if _is_file(response):
            assert exported or name in NOT_EXPORTS, f"{name} hands out a file without a row"
        if not exported:
            assert written == 0, f"{name} wrote {written} audit rows on a GET"
            checked["pages"] += 1
    for (name, who, query), action in EXPORTS.items():
        kwargs = kwargs_for(name, cast)
        if name == "results_export":
            kwargs["fmt"] = query
            query = ""
        url = reverse(name, kwargs=kwargs) + (f"?{query}" if query else "")
        before = set(AuditEntry.objects.values_list("pk", flat=True))
        response = clients[who].get(url)
        assert response.status_code == 200, (name, who, response.status_code)
        _looks_like(name, response)
        rows = list(AuditEntry.objects.exclude(pk__in=before))
        assert [row.action for row in rows] == [action], (name, who, rows)
        row = rows[0]
        assert row.role == who and row.actor_id == getattr(cast, who).pk, (name, who)
        assert row.programme_id == cast.programme.pk, name
        assert row.workspace_id == cast.programme.workspace_id, name
        assert row.request_id == response["X-Request-ID"], name
        checked["exports"] += 1
    print(
        f"{checked['exports']} downloads wrote one row each; "
        f"{checked['pages']} staff pages wrote none"
    )
