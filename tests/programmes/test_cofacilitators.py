"""Client co-facilitators: someone from the client invited to help run one programme.

They run its seminars, rooms, boards, rounds and plans; see results as a manager of the
whole programme does (no response rates of hidden groups); see names (participants, action
owners) only where the workspace allows it; see nothing of other programmes
(test_access_matrix.py sweeps every route). After the hand-over they manage who has access.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from actionplans.models import Action, TeamPlan
from programmes.access import get_programme_access
from programmes.accounts import second_factor_required
from programmes.models import AuditEntry, ClientRole, ManagerInvitation, ProgrammeManager, User
from surveys import dashboard
from tests.factories import ProgrammeManagerFactory, UserFactory, closed_round
from tests.programmes.test_managers import accept_url, open_link

PASSWORD = "a-long-enough-passphrase"


def cofacilitator(cast, username: str = "hr-anna") -> User:
    return ProgrammeManagerFactory(
        programme=cast.programme,
        user=UserFactory(username=username, email=f"{username}@skovby.dk"),
        role=ClientRole.COFACILITATOR,
    ).user


@pytest.mark.django_db
def test_invited_co_facilitator_sets_a_password_and_runs_the_programme(client, cast, mailoutbox):
    client.force_login(cast.facilitator)
    response = client.post(
        reverse("managers", args=[cast.programme.pk]),
        {"email": "hr@skovby.dk", "role": "cofacilitator", "unit": ""},
    )
    assert response.status_code == 302
    (mail,) = mailoutbox
    assert "help run" in mail.subject
    assert "co-facilitator" in mail.body
    assert ManagerInvitation.objects.get(email="hr@skovby.dk").role == "cofacilitator"
    client.logout()
    url = open_link(client, accept_url(mail))
    response = client.post(
        url,
        {
            "first_name": "Anna",
            "last_name": "Holm",
            "new_password1": PASSWORD,
            "new_password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    row = ProgrammeManager.objects.get(user__email="hr@skovby.dk")
    assert row.role == "cofacilitator" and row.unit is None
    home = client.get(reverse("home"))
    assert "Programmes you help run" in home.text and cast.programme.title in home.text
    # The overview is a facilitator's, without the workspace's own links.
    page = client.get(reverse("programme_detail", args=[cast.programme.pk]))
    assert page.status_code == 200
    assert reverse("seminar_add", args=[cast.programme.pk]) in page.text
    assert reverse("programme_edit", args=[cast.programme.pk]) not in page.text
    assert reverse("units", args=[cast.programme.pk]) not in page.text
    assert reverse("participants", args=[cast.programme.pk]) not in page.text
    assert reverse("audit_log", args=[cast.programme.pk]) not in page.text
    # A change they make is logged in their role.
    seminar = cast.programme.seminars.get(number=1)
    response = client.post(
        reverse("seminar_end", args=[cast.programme.pk, seminar.pk]), {"end": "1"}
    )
    assert response.status_code == 302
    rows = AuditEntry.objects.filter(programme_id=cast.programme.pk).order_by("pk")
    assert list(rows.values_list("action", "role")) == [
        ("cofacilitator.invite", "facilitator"),
        ("cofacilitator.accept", "cofacilitator"),
        ("seminar.end", "cofacilitator"),
    ]


@pytest.mark.django_db
def test_a_co_facilitator_is_for_the_whole_programme(client, cast, mailoutbox):
    client.force_login(cast.facilitator)
    response = client.post(
        reverse("managers", args=[cast.programme.pk]),
        {"email": "hr@skovby.dk", "role": "cofacilitator", "unit": cast.units["North"].pk},
    )
    assert response.status_code == 422
    assert "runs the whole programme" in response.text
    assert not ManagerInvitation.objects.exists() and not mailoutbox


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["boss", "", "manager' OR 1=1", "x" * 300])
def test_an_unknown_role_is_refused_or_read_as_manager(client, cast, role):
    client.force_login(cast.facilitator)
    response = client.post(
        reverse("managers", args=[cast.programme.pk]),
        {"email": "new@skovby.dk", "role": role, "unit": ""},
    )
    if role:
        assert response.status_code == 422 and "Select a valid choice" in response.text
        assert not ManagerInvitation.objects.exists()
    else:  # left out: a manager, as before roles existed
        assert response.status_code == 302
        assert ManagerInvitation.objects.get().role == "manager"


@pytest.mark.django_db
def test_someone_with_access_or_a_facilitator_cannot_be_invited_again(client, cast):
    client.force_login(cast.facilitator)
    for email in (cast.manager.email, cast.colleague.email):
        response = client.post(
            reverse("managers", args=[cast.programme.pk]),
            {"email": email, "role": "cofacilitator", "unit": ""},
        )
        assert response.status_code == 422, email
    assert not ManagerInvitation.objects.exists()


def _hidden_group_programme(cast):
    """A closed round where South (2 answers) is hidden under k = 5, North shown."""
    closed_round(
        cast.programme,
        "Baseline",
        {cast.units["North Day"]: (4, 6), cast.units["South"]: (3, 2)},
    )


@pytest.mark.django_db
def test_results_are_a_whole_programme_managers_no_rates_of_hidden_groups(cast):
    _hidden_group_programme(cast)
    user = cofacilitator(cast)

    def rates(who) -> dict:
        access = get_programme_access(who, cast.programme.pk)
        built = dashboard.build(access, dashboard.Selection(), language="en")
        return {name: per_round[0][1] for name, _depth, per_round in built.rates}

    by_facilitator, by_cofacilitator, by_manager = (
        rates(cast.facilitator),
        rates(user),
        rates(cast.manager),
    )
    assert by_facilitator["South"] is not None  # the check can see a hidden group's rate
    assert by_cofacilitator["South"] is None
    assert by_cofacilitator == by_manager
    assert by_cofacilitator[cast.programme.organisation] is not None


@pytest.mark.django_db
def test_round_page_shows_a_co_facilitator_only_the_rooms_count(client, cast):
    _hidden_group_programme(cast)
    round = cast.programme.rounds.get()
    url = reverse("round_detail", args=[cast.programme.pk, round.pk])
    client.force_login(cast.facilitator)
    assert "North Day" in client.get(url).text
    client.force_login(cofacilitator(cast))
    page = client.get(url)
    assert page.status_code == 200
    assert cast.programme.organisation in page.text
    assert "North Day" not in page.text and ">South<" not in page.text


@pytest.mark.django_db
def test_action_owners_only_where_the_workspace_allows_names(client, cast):
    plan = TeamPlan.objects.create(programme=cast.programme, title="Fewer interruptions")
    action = Action.objects.create(plan=plan, text="Quiet hour", owner="Mette Skov")
    user = cofacilitator(cast)
    client.force_login(user)
    page = client.get(reverse("plan_detail", args=[cast.programme.pk, plan.pk]))
    assert page.status_code == 200
    assert "Quiet hour" in page.text and "Mette Skov" not in page.text
    assert f'name="a{action.pk}-owner"' not in page.text
    export = client.get(reverse("plans_export", args=[cast.programme.pk]))
    assert "Mette Skov" not in export.content.decode()
    # Saving the action without an owner field keeps its owner.
    response = client.post(
        reverse("action_edit", args=[cast.programme.pk, plan.pk, action.pk]),
        {
            f"a{action.pk}-text": "Quiet hour, mornings",
            f"a{action.pk}-owner": "Someone Else",
            f"a{action.pk}-status": "in_progress",
            f"a{action.pk}-version": action.version,
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.text, action.owner) == ("Quiet hour, mornings", "Mette Skov")
    # The workspace allows names: owners and the participant list appear.
    cast.programme.workspace.cofacilitators_see_names = True
    cast.programme.workspace.save()
    page = client.get(reverse("plan_detail", args=[cast.programme.pk, plan.pk]))
    assert "Mette Skov" in page.text
    participants = client.get(reverse("participants", args=[cast.programme.pk]))
    assert participants.status_code == 200
    assert cast.programme.participants.first().name in participants.text


@pytest.mark.django_db
def test_a_removed_co_facilitators_session_reaches_nothing(client, cast):
    user = cofacilitator(cast)
    client.force_login(user)
    url = reverse("programme_detail", args=[cast.programme.pk])
    assert client.get(url).status_code == 200
    row = ProgrammeManager.objects.get(user=user)
    facilitator = type(client)()
    facilitator.force_login(cast.facilitator)
    response = facilitator.post(reverse("manager_revoke", args=[cast.programme.pk, row.pk]))
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="cofacilitator.revoke").count() == 1
    # The old session: a 404 for the programme, and the account it had is gone with it.
    response = client.get(url)
    assert response.status_code in (302, 404)
    assert not User.objects.filter(pk=user.pk).exists()
    assert cast.programme.title not in client.get(reverse("home")).text


@pytest.mark.django_db
def test_hand_over_lets_co_facilitators_manage_access(client, cast, mailoutbox):
    hand_over = reverse("programme_hand_over", args=[cast.programme.pk])
    people = reverse("managers", args=[cast.programme.pk])
    client.force_login(cast.facilitator)
    # Nobody to hand it to yet: a message, nothing changes.
    response = client.post(hand_over, {"handed_over": "1"}, follow=True)
    assert "Invite a co-facilitator from the client first" in response.text
    cast.programme.refresh_from_db()
    assert cast.programme.handed_over_at is None
    user = cofacilitator(cast)
    helper = type(client)()
    helper.force_login(user)
    assert helper.get(people).status_code == 404
    assert helper.post(hand_over, {"handed_over": "1"}).status_code == 404
    assert client.post(hand_over, {"handed_over": "1"}).status_code == 302
    cast.programme.refresh_from_db()
    assert cast.programme.handed_over_at is not None
    # Handed over: the working group invites a colleague itself.
    assert helper.get(people).status_code == 200
    response = helper.post(people, {"email": "ole@skovby.dk", "role": "cofacilitator"})
    assert response.status_code == 302
    assert mailoutbox[-1].to == ["ole@skovby.dk"]
    # The settings and the hand-over itself stay the workspace's.
    assert helper.get(reverse("programme_edit", args=[cast.programme.pk])).status_code == 404
    assert client.post(hand_over, {"handed_over": "0"}).status_code == 302
    assert helper.get(people).status_code == 404
    rows = AuditEntry.objects.filter(programme_id=cast.programme.pk).order_by("pk")
    assert list(rows.values_list("action", "role")) == [
        ("programme.hand_over", "facilitator"),
        ("cofacilitator.invite", "cofacilitator"),
        ("programme.take_back", "facilitator"),
    ]


@pytest.mark.django_db
def test_co_facilitators_must_use_a_second_factor(cast, settings):
    user = cofacilitator(cast)
    settings.MFA_REQUIRED = True
    assert second_factor_required(user)
    assert not second_factor_required(cast.manager)
    settings.MFA_REQUIRED = False
    assert not second_factor_required(user)


@pytest.mark.django_db
def test_the_workspace_decides_whether_co_facilitators_see_names(client, cast):
    workspace = cast.programme.workspace
    client.force_login(cast.facilitator)
    response = client.post(
        reverse("workspace_settings", args=[workspace.pk]),
        {"name": workspace.name, "cofacilitators_see_names": "on"},
    )
    assert response.status_code == 302
    workspace.refresh_from_db()
    assert workspace.cofacilitators_see_names
    entry = AuditEntry.objects.get(action="workspace.settings")
    assert "cofacilitators_see_names" in entry.details["fields"]
