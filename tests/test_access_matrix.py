"""Every route × every outsider: 404 (or the login redirect), never the data.

Routes are enumerated from the URLconf, so a new route without an entry here fails.
"""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from actionplans.models import Action, TeamPlan
from programmes.models import ManagerInvitation, ProgrammeLogo, new_token
from seminars.models import Board, GroupWork, Post, PostGroup, Session, WorkGroup
from surveys.models import Round
from tests.factories import ParticipantFactory, ProgrammeManagerFactory, UserFactory, closed_round

# Routes outside programme data: Django's own auth views, admin, language switch,
# favicon, health, and the participant / invitation links (tested in their own modules).
PUBLIC_OR_FOREIGN = {
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "favicon",
    "healthz",
    # The privacy notice names only the session's own programme (test_privacy_notice.py).
    "privacy",
    "home",
    "programme_create",
    "invitation_accept",
    "manager_invitation_continue",
    "workspace_invitation",
    "workspace_invitation_continue",
    # A workspace's own pages are swept by WORKSPACE_ROUTES below.
    "workspace_create",
    *(
        "workspace",
        "workspace_invite",
        "workspace_invitation_cancel",
        "workspace_member_remove",
        "workspace_owner",
        "workspace_audit",
        "workspace_settings",
    ),
    "participant_home",
    "participant_link",
    "join",
    "join_code",
    "kiosk_start",
    "kiosk_next",
    # Phones reach a board through the seat their session took (tests/seminars/test_boards.py).
    "board_phone",
    "board_post",
    "board_vote",
    "group_phone",
    "group_join",
    "group_notes",
    "evaluation_phone",
    # The documentation's share link is its own capability (test_documentation.py).
    "documentation_shared",
    "logbook",
    "evaluation_submit",
    # Personal plans are reached by the key their owner holds (tests/actionplans/).
    "plan_home",
    "plan_start",
    "plan_recover",
    "plan_edit",
    "plan_reflect",
    "plan_share",
    "plan_download",
    "plan_erase",
    "plan_forget",
    "plan_shared",
    # Phones reach team plans through the room's seat (tests/actionplans/test_team_plans.py).
    "phone_plans",
    "phone_add_action",
    "phone_action",
    "phone_follow_up",
    "phone_difference",
    # Phones reach a round through their session only (tests/surveys/test_survey_flow.py).
    "survey_start",
    "survey_page",
    "survey_review",
    "survey_thanks",
    # The projector's display link is its own read-only capability (test_projector.py).
    "display",
    "display_live",
    # Workspace-level pages, checked in test_instrument_routes_deny_everyone_outside.
    "instruments",
    "instrument_detail",
    "instrument_export",
    "instrument_new_version",
    "instrument_item_edit",
    "instrument_item_delete",
    # allauth's account and two-factor pages: the login's steps and one's own factors
    # (tests/programmes/test_accounts.py, test_mfa.py). Those it would offer twice, or that
    # accounts made by invitation do not need, lead to Django's pages or answer 404.
    "account_login",
    "account_logout",
    "account_inactive",
    "account_signup",
    "account_email",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_change_password",
    "account_set_password",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_reauthenticate",
    # How long one's own staff session has left, and "stay logged in" (test_staff_sessions.py).
    "account_session",
    "account_session_keep",
    "account_request_reauthentication_code",
    "account_confirm_reauthentication_code",
    "account_confirm_login_code",
    "mfa_index",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_list_webauthn",
    "mfa_add_webauthn",
    "mfa_edit_webauthn",
    "mfa_remove_webauthn",
    "mfa_reauthenticate_webauthn",
    "mfa_login_webauthn",
}

# name -> (methods, readable by managers)
PROGRAMME_ROUTES = {
    "programme_detail": (["GET"], True),
    "programme_edit": (["GET", "POST"], False),
    "programme_archive": (["POST"], False),
    "programme_delete": (["GET", "POST"], False),
    "programme_export": (["GET"], False),
    "programme_logo": (["POST"], False),
    "programme_logo_image": (["GET"], False),
    "units": (["GET", "POST"], False),
    "unit_edit": (["GET", "POST"], False),
    "unit_delete": (["POST"], False),
    "participants": (["GET", "POST"], False),
    "participant_import": (["GET", "POST"], False),
    "participant_import_confirm": (["POST"], False),
    "participant_links": (["POST"], False),
    "participant_edit": (["GET", "POST"], False),
    "participant_delete": (["POST"], False),
    "managers": (["GET", "POST"], False),
    "programme_hand_over": (["POST"], False),
    "manager_revoke": (["POST"], False),
    "invitation_cancel": (["POST"], False),
    "audit_log": (["GET"], False),
    "seminar_detail": (["GET", "POST"], True),
    "seminar_add": (["POST"], False),
    "seminar_move": (["POST"], False),
    "seminar_remove": (["GET", "POST"], False),
    "seminar_end": (["POST"], False),
    "session_add": (["POST"], False),
    "session_remove": (["POST"], False),
    "session_display_open": (["POST"], False),
    "activity_add": (["POST"], False),
    "activity_edit": (["GET", "POST"], False),
    "activity_delete": (["POST"], False),
    "activity_move": (["POST"], False),
    "activity_present": (["POST"], False),
    "rounds": (["GET", "POST"], False),
    "round_detail": (["GET", "POST"], False),
    "survey_preview": (["GET"], False),
    "display_open": (["POST"], False),
    "seminar_wall": (["POST"], False),
    "board_control": (["GET"], False),
    "board_phase": (["POST"], False),
    "board_settings": (["POST"], False),
    "board_merge": (["POST"], False),
    "board_post_action": (["POST"], False),
    "board_post_edit": (["GET", "POST"], False),
    "board_group_edit": (["POST"], False),
    "group_control": (["GET"], False),
    "evaluation_control": (["GET", "POST"], False),
    "evaluation_questions": (["GET", "POST"], False),
    "seminar_documentation": (["GET", "POST"], True),
    "seminar_documentation_pdf": (["GET"], True),
    "documentation_release": (["POST"], False),
    "group_settings": (["POST"], False),
    "group_add": (["POST"], False),
    "group_present": (["POST"], False),
    "group_remove": (["POST"], False),
    "group_logbook_link": (["POST"], False),
    "results": (["GET"], True),
    "results_export": (["GET"], True),
    "report_pdf": (["GET"], True),
    "event_add": (["POST"], False),
    "event_edit": (["GET", "POST"], False),
    "event_delete": (["POST"], False),
    "round_open": (["POST"], False),
    "round_close": (["POST"], False),
    "survey_setup": (["GET", "POST"], False),
    "plans": (["GET", "POST"], True),
    "plans_export": (["GET"], True),
    "plan_detail": (["GET", "POST"], True),
    "action_add": (["POST"], False),
    "action_edit": (["POST"], False),
    "action_delete": (["POST"], False),
    "action_follow_up": (["POST"], False),
    "action_win": (["POST"], False),
    "plan_from_item": (["POST"], False),
    "planning_open": (["POST"], False),
}


def route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(entry.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_route_has_an_access_case():
    missing = route_names() - PUBLIC_OR_FOREIGN - set(PROGRAMME_ROUTES)
    assert not missing, f"routes without an access-matrix entry: {sorted(missing)}"


def kwargs_for(name: str, cast, programme=None) -> dict:
    programme = programme or cast.programme
    seminar = programme.seminars.get(number=1)
    participant = programme.participants.first() or ParticipantFactory(
        unit=programme.units.first(), programme=programme
    )
    manager = programme.managers.first()
    invitation = ManagerInvitation.objects.create(
        programme=programme,
        email="invitee@example.org",
        token_hash=new_token()[1],
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    round = programme.rounds.first() or Round.objects.create(programme=programme, title="R")
    board = Board.objects.filter(activity__seminar=seminar).first()
    work = GroupWork.objects.filter(activity__seminar=seminar).first()
    work_group = work.groups.first() or WorkGroup.objects.create(work=work, name="Table 1")
    session = seminar.sessions.first() or Session.objects.create(seminar=seminar, label="Night")
    plan = TeamPlan.objects.filter(programme=programme).first() or TeamPlan.objects.create(
        programme=programme, title="Plan"
    )
    action = plan.actions.first() or Action.objects.create(plan=plan, text="Act")
    if name == "planning_open":
        seminar = programme.seminars.get(number=2)
    if name == "report_pdf" and not programme.rounds.filter(state="closed").exists():
        closed_round(programme, "Closed", {programme.units.order_by("pk").last(): (3, 6)})
    if name == "programme_logo_image":
        ProgrammeLogo.objects.get_or_create(
            programme=programme,
            defaults={
                "content": b"<svg/>",
                "content_type": "image/svg+xml",
                "width": 1,
                "height": 1,
            },
        )
    activity = seminar.activities.first()
    if name.startswith("board"):
        activity = board.activity
    elif name.startswith("group_"):
        activity = work.activity
    elif name.startswith("evaluation_"):
        activity = seminar.activities.filter(kind="evaluation").first()
    elif name == "planning_open":
        activity = seminar.activities.filter(kind="planning").first()
    post = board.posts.first() or Post.objects.create(
        board=board, group=PostGroup.objects.create(board=board), key=uuid.uuid4(), text="P"
    )
    event = programme.events.first() or programme.events.create(date="2026-01-01", text="E")
    values = {
        "fmt": "csv",
        "event_id": event.pk,
        "round_id": round.pk,
        "pk": programme.pk,
        "unit_id": programme.units.order_by("-pk").first().pk,
        "participant_id": participant.pk,
        "manager_id": manager.pk,
        "invitation_id": invitation.pk,
        "seminar_id": seminar.pk,
        "session_id": session.pk,
        "plan_id": plan.pk,
        "action_id": action.pk,
        "item_id": post.group_id,
        "activity_id": activity.pk,
        "post_id": post.pk,
        "group_id": work_group.pk if name.startswith("group_") else post.group_id,
    }
    return {key: values[key] for key in route_params(name)}


def route_params(name: str) -> set[str]:
    possibilities = get_resolver().reverse_dict.getlist(name)[0][0]
    return {param for _, params in possibilities for param in params}


NESTED_ROUTES = sorted(name for name in PROGRAMME_ROUTES if route_params(name) - {"pk"})


OUTSIDERS = ["outsider", "other_manager", "nobody"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PROGRAMME_ROUTES))
def test_programme_routes_deny_everyone_outside(name, client, cast):
    methods, manager_may_read = PROGRAMME_ROUTES[name]
    url = reverse(name, kwargs=kwargs_for(name, cast))
    cells = 0
    for method in methods:
        for htmx in (False, True):
            headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
            # Anonymous: the login redirect, never the page.
            client.logout()
            response = getattr(client, method.lower())(url, **headers)
            assert response.status_code == 302, (name, method, "anonymous")
            assert response.url.startswith(reverse("login")), (name, method)
            cells += 1
            for role in OUTSIDERS:
                client.force_login(getattr(cast, role))
                response = getattr(client, method.lower())(url, **headers)
                assert response.status_code == 404, (name, method, role, response.status_code)
                cells += 1
            for role in ("manager", "limited_manager"):
                client.force_login(getattr(cast, role))
                response = getattr(client, method.lower())(url, **headers)
                expected = 200 if (manager_may_read and method == "GET") else 404
                assert response.status_code == expected, (name, method, role)
                cells += 1
    print(f"{name}: {cells} cells checked")


@pytest.mark.django_db
@pytest.mark.parametrize("name", NESTED_ROUTES)
def test_objects_of_another_programme_are_not_found_through_this_one(name, client, cast):
    """A facilitator may not reach another workspace's objects through their own programme."""
    ProgrammeManagerFactory(programme=cast.other_programme)
    own = kwargs_for(name, cast)
    foreign = kwargs_for(name, cast, programme=cast.other_programme)
    client.force_login(cast.facilitator)
    methods, _ = PROGRAMME_ROUTES[name]
    # Every id is unique to its row, so a foreign one must not be found here.
    for key in {k for k in own if k != "pk" and own[k] != foreign[k]}:
        url = reverse(name, kwargs={**own, key: foreign[key]})
        for method in methods:
            response = getattr(client, method.lower())(url)
            assert response.status_code == 404, (name, key, method)


@pytest.mark.django_db
def test_facilitator_reaches_every_read_route(client, cast):
    client.force_login(cast.facilitator)
    for name, (methods, _) in PROGRAMME_ROUTES.items():
        if "GET" in methods:
            response = client.get(reverse(name, kwargs=kwargs_for(name, cast)))
            assert response.status_code == 200, name


@pytest.mark.django_db
def test_write_routes_refuse_get_with_405(client, cast):
    client.force_login(cast.facilitator)
    for name, (methods, _) in PROGRAMME_ROUTES.items():
        if "GET" not in methods:
            response = client.get(reverse(name, kwargs=kwargs_for(name, cast)))
            assert response.status_code == 405, name


# A client co-facilitator runs the programme like a facilitator (programmes/access.py's
# table), except on these routes: never on the workspace's own (settings, units, log,
# export, deletion); on the participant list only when the workspace lets co-facilitators
# see names; on who has access only once the programme is handed over to the client.
COFACILITATOR_NEVER = {
    "programme_edit",
    "programme_archive",
    "programme_delete",
    "programme_export",
    "programme_logo",
    "programme_logo_image",
    "programme_hand_over",
    "units",
    "unit_edit",
    "unit_delete",
    "audit_log",
}
COFACILITATOR_WITH_NAMES = {
    "participants",
    "participant_import",
    "participant_import_confirm",
    "participant_links",
    "participant_edit",
    "participant_delete",
}
COFACILITATOR_AFTER_HAND_OVER = {"managers", "manager_revoke", "invitation_cancel"}


def cofacilitator_of(programme, username: str):
    from programmes.models import ClientRole

    return ProgrammeManagerFactory(
        programme=programme, user=UserFactory(username=username), role=ClientRole.COFACILITATOR
    ).user


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PROGRAMME_ROUTES))
def test_a_cofacilitator_runs_this_programme_only(name, cast):
    """The co-facilitator of this programme gets each route as access.py's table says, in
    both states of the workspace's names setting and of the hand-over: where it may, exactly
    the facilitator's answer to the same request; elsewhere 404. The co-facilitator of
    another programme of the same workspace gets 404 everywhere. Each request is rolled back,
    so both roles meet the same state."""
    from django.db import transaction
    from django.test import Client

    from programmes.services import create_programme

    workspace = cast.programme.workspace
    sibling = create_programme(
        workspace=workspace, organisation="Nabo Kommune", title="Sibling", language="da"
    )
    clients = {}
    for key, user in (
        ("facilitator", cast.facilitator),
        ("cofacilitator", cofacilitator_of(cast.programme, "cofac")),
        ("elsewhere", cofacilitator_of(sibling, "sibling-cofac")),
    ):
        clients[key] = Client()
        clients[key].force_login(user)
    methods, _ = PROGRAMME_ROUTES[name]
    url = reverse(name, kwargs=kwargs_for(name, cast))

    def status(key: str, method: str) -> int:
        with transaction.atomic():
            code = getattr(clients[key], method.lower())(url, HTTP_HX_REQUEST="true").status_code
            transaction.set_rollback(True)
        return code

    cells = 0
    for names, handed in ((False, False), (True, True)):
        workspace.cofacilitators_see_names = names
        workspace.save()
        type(cast.programme).objects.filter(pk=cast.programme.pk).update(
            handed_over_at=timezone.now() if handed else None
        )
        refused = set(COFACILITATOR_NEVER)
        if not names:
            refused |= COFACILITATOR_WITH_NAMES
        if not handed:
            refused |= COFACILITATOR_AFTER_HAND_OVER
        for method in methods:
            assert status("elsewhere", method) == 404, (name, method, "another programme's")
            got = status("cofacilitator", method)
            if name in refused:
                assert got == 404, (name, method, names, handed)
            else:
                assert got == status("facilitator", method), (name, method, names, handed)
            cells += 2
    print(f"{name}: {cells} co-facilitator cells checked")


INSTRUMENT_ROUTES = {
    "instrument_detail": ["GET", "POST"],
    "instrument_export": ["GET"],
    "instrument_new_version": ["POST"],
    "instrument_item_edit": ["GET", "POST"],
    "instrument_item_delete": ["POST"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(INSTRUMENT_ROUTES))
def test_instrument_routes_deny_everyone_outside(name, client, cast):
    """A workspace's own instrument versions are invisible to other workspaces and managers."""
    from surveys.services import new_instrument_version, standard_instrument

    own = new_instrument_version(
        instrument=standard_instrument(), workspace=cast.programme.workspace
    )
    kwargs = {"instrument_id": own.pk, "item_id": own.items.first().pk}
    url = reverse(name, kwargs={k: v for k, v in kwargs.items() if k in route_params(name)})
    for method in INSTRUMENT_ROUTES[name]:
        client.logout()
        assert getattr(client, method.lower())(url).status_code == 302
        for role in ("outsider", "manager", "limited_manager", "nobody"):
            client.force_login(getattr(cast, role))
            response = getattr(client, method.lower())(url)
            assert response.status_code == 404, (name, method, role)
    assert own.items.count() == standard_instrument().items.count()


# name -> (methods, open to members who are not the owner)
WORKSPACE_ROUTES = {
    "workspace": (["GET"], True),
    "workspace_settings": (["POST"], False),
    "workspace_invite": (["POST"], False),
    "workspace_invitation_cancel": (["POST"], False),
    "workspace_member_remove": (["POST"], False),
    "workspace_owner": (["POST"], False),
    "workspace_audit": (["GET"], False),
}


def test_every_workspace_route_is_in_the_sweep():
    named = {
        name for name in route_names() if name.startswith("workspace") and "invitation" not in name
    }
    assert named - {"workspace_create"} == set(WORKSPACE_ROUTES) - {"workspace_invitation_cancel"}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(WORKSPACE_ROUTES))
def test_workspace_routes_deny_everyone_outside_and_members_the_owners_actions(name, client, cast):
    """Outsiders, managers and nobody get 404; a member who is not the owner gets 403 on the
    owner's actions; nothing changes."""
    from programmes.models import Membership, WorkspaceInvitation

    workspace = cast.programme.workspace
    invitation = WorkspaceInvitation.objects.create(
        workspace=workspace,
        email="new@example.org",
        token_hash="x" * 64,
        expires_at="2100-01-01T00:00Z",
    )
    colleague = Membership.objects.get(workspace=workspace, user=cast.colleague)
    kwargs = {
        "workspace_id": workspace.pk,
        "invitation_id": invitation.pk,
        "member_id": colleague.pk,
    }
    url = reverse(name, kwargs={k: v for k, v in kwargs.items() if k in route_params(name)})
    methods, members_too = WORKSPACE_ROUTES[name]
    before = (
        sorted(Membership.objects.values_list("pk", "role")),
        WorkspaceInvitation.objects.count(),
    )
    checked = 0
    cofacilitator = None
    for method in methods:
        client.logout()
        assert getattr(client, method.lower())(url).status_code == 302
        for role in ("outsider", "manager", "limited_manager", "other_manager", "nobody"):
            client.force_login(getattr(cast, role))
            response = getattr(client, method.lower())(url, HTTP_HX_REQUEST="true")
            assert response.status_code == 404, (name, method, role)
            checked += 1
        if cofacilitator is None:
            cofacilitator = cofacilitator_of(cast.programme, "cofac")
        for user in (cofacilitator,):  # runs a programme of the workspace, is not a member
            client.force_login(user)
            response = getattr(client, method.lower())(url, HTTP_HX_REQUEST="true")
            assert response.status_code == 404, (name, method, role)
            checked += 1
        client.force_login(cast.colleague)
        response = getattr(client, method.lower())(url)
        assert response.status_code == (200 if members_too else 403), (name, method)
    after = (
        sorted(Membership.objects.values_list("pk", "role")),
        WorkspaceInvitation.objects.count(),
    )
    assert after == before
    print(f"{name}: {checked} denied cells")
