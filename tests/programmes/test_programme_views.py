"""Programme set-up views: create, edit, archive, units, participants, links."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from programmes.models import AuditEntry, Participant, Programme, Unit, hash_token
from tests.factories import MembershipFactory, UserFactory


def audit_actions(programme=None) -> list[str]:
    rows = AuditEntry.objects.all()
    if programme is not None:
        rows = rows.filter(programme_id=programme.pk)
    return list(rows.order_by("pk").values_list("action", flat=True))


@pytest.mark.django_db
def test_home_lists_the_facilitators_programmes_only(client, cast):
    client.force_login(cast.facilitator)
    page = client.get(reverse("home")).content.decode()
    assert cast.programme.title in page
    assert cast.other_programme.title not in page


@pytest.mark.django_db
def test_home_query_count_does_not_grow_with_programmes(
    client, cast, django_assert_max_num_queries
):
    client.force_login(cast.facilitator)
    with django_assert_max_num_queries(8):
        client.get(reverse("home"))


@pytest.mark.django_db
def test_manager_home_lists_followed_programmes(client, cast):
    client.force_login(cast.manager)
    page = client.get(reverse("home")).content.decode()
    assert cast.programme.title in page
    assert "New programme" not in page


@pytest.mark.django_db
def test_signed_in_user_without_links_sees_guidance(client, cast):
    client.force_login(cast.nobody)
    assert "Nothing to show yet" in client.get(reverse("home")).content.decode()
    assert client.get(reverse("programme_create")).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("template", "seminar_count"),
    [
        ("four_seminars", 4),
        ("three_workshops", 3),
        ("leadership_day", 1),
        ("leadership_chain", 1),
        ("regional", 1),
    ],
)
def test_create_programme_from_each_template(client, cast, template, seminar_count):
    client.force_login(cast.facilitator)
    response = client.post(
        reverse("programme_create"),
        {
            "workspace": cast.programme.workspace_id,
            "organisation": "Åby Kommun",
            "title": "Social kapital 2027",
            "language": "sv",
            "min_group_size": 5,
            "team_change_threshold": 8,
            "programme_change_threshold": 5,
            "template": template,
        },
    )
    programme = Programme.objects.get(title="Social kapital 2027")
    assert response.status_code == 302
    assert response.url == reverse("programme_detail", args=[programme.pk])
    assert programme.seminars.count() == seminar_count
    assert all(s.activities.exists() for s in programme.seminars.all())
    assert audit_actions(programme) == ["programme.create"]


@pytest.mark.django_db
def test_four_seminar_template_follows_the_method(cast):
    titles = list(cast.programme.seminars.values_list("title", flat=True))
    assert titles == [
        "Insight into your social capital",
        "Action creates transformation",
        "Positive reinforcement",
        "My contribution",
    ]


@pytest.mark.django_db
def test_programme_cannot_be_created_in_a_workspace_the_user_is_not_in(client, cast):
    client.force_login(cast.facilitator)
    response = client.post(
        reverse("programme_create"),
        {
            "workspace": cast.other_programme.workspace_id,
            "organisation": "X",
            "title": "Sneaky",
            "language": "da",
            "min_group_size": 5,
            "team_change_threshold": 8,
            "programme_change_threshold": 5,
            "template": "four_seminars",
        },
    )
    assert response.status_code == 422
    assert not Programme.objects.filter(title="Sneaky").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("size", [0, 1, 2, -5, "abc", ""])
def test_minimum_group_size_never_below_three(client, cast, size):
    client.force_login(cast.facilitator)
    data = {
        "organisation": "Skovby",
        "title": "Changed",
        "language": "da",
        "min_group_size": size,
        "team_change_threshold": 8,
        "programme_change_threshold": 5,
    }
    response = client.post(reverse("programme_edit", args=[cast.programme.pk]), data)
    assert response.status_code == 422
    cast.programme.refresh_from_db()
    assert cast.programme.min_group_size == 5
    assert cast.programme.title == "Social kapital"


@pytest.mark.django_db
def test_edit_programme_saves_and_audits(client, cast):
    client.force_login(cast.colleague)
    response = client.post(
        reverse("programme_edit", args=[cast.programme.pk]),
        {
            "organisation": "Skovby Kommune",
            "title": "Renamed",
            "language": "da",
            "min_group_size": 7,
            "team_change_threshold": 10,
            "programme_change_threshold": 6,
        },
    )
    assert response.status_code == 302
    cast.programme.refresh_from_db()
    assert (cast.programme.title, cast.programme.min_group_size) == ("Renamed", 7)
    entry = AuditEntry.objects.get(action="programme.edit")
    assert (entry.actor_id, entry.actor) == (cast.colleague.pk, "")  # by id, never by name
    assert entry.programme_id == cast.programme.pk
    assert entry.workspace_id == cast.programme.workspace_id


@pytest.mark.django_db
def test_archive_and_restore(client, cast):
    client.force_login(cast.facilitator)
    url = reverse("programme_archive", args=[cast.programme.pk])
    client.post(url, {"archive": "1"})
    cast.programme.refresh_from_db()
    assert cast.programme.is_archived
    client.post(url, {"archive": "0"})
    cast.programme.refresh_from_db()
    assert not cast.programme.is_archived
    assert audit_actions(cast.programme)[-2:] == ["programme.archive", "programme.restore"]


@pytest.mark.django_db
def test_next_step_guides_a_new_programme(client, cast):
    client.force_login(cast.facilitator)
    client.post(
        reverse("programme_create"),
        {
            "workspace": cast.programme.workspace_id,
            "organisation": "Ny",
            "title": "Empty one",
            "language": "en",
            "min_group_size": 5,
            "team_change_threshold": 8,
            "programme_change_threshold": 5,
            "template": "four_seminars",
        },
    )
    programme = Programme.objects.get(title="Empty one")
    page = client.get(reverse("programme_detail", args=[programme.pk])).content.decode()
    assert "Add the client’s units" in page


# --- Units -------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_unit_without_javascript_redirects(client, cast):
    client.force_login(cast.facilitator)
    url = reverse("units", args=[cast.programme.pk])
    response = client.post(url, {"name": "  East   wing ", "parent": cast.units["South"].pk})
    assert response.status_code == 302
    unit = Unit.objects.get(name="East wing")
    assert unit.parent == cast.units["South"]
    assert audit_actions(cast.programme) == ["unit.create"]


@pytest.mark.django_db
def test_add_unit_with_htmx_returns_the_panel(client, cast):
    client.force_login(cast.facilitator)
    url = reverse("units", args=[cast.programme.pk])
    response = client.post(url, {"name": "West"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="units-panel"' in html
    assert "<html" not in html
    assert "West" in html


@pytest.mark.django_db
def test_invalid_unit_with_htmx_is_422_and_retargeted(client, cast):
    client.force_login(cast.facilitator)
    url = reverse("units", args=[cast.programme.pk])
    response = client.post(url, {"name": "north"}, HTTP_HX_REQUEST="true")  # sibling clash
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#unit-add"
    assert "already a unit with this name" in response.content.decode()
    assert Unit.objects.filter(programme=cast.programme).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", "   ", "a/b", "x" * 121])
def test_bad_unit_names_are_refused(client, cast, name):
    client.force_login(cast.facilitator)
    response = client.post(reverse("units", args=[cast.programme.pk]), {"name": name})
    assert response.status_code == 422
    assert Unit.objects.filter(programme=cast.programme).count() == 3


@pytest.mark.django_db
def test_unit_cannot_move_below_itself(client, cast):
    client.force_login(cast.facilitator)
    north, north_day = cast.units["North"], cast.units["North Day"]
    response = client.post(
        reverse("unit_edit", args=[cast.programme.pk, north.pk]),
        {"name": "North", "parent": north_day.pk},
    )
    assert response.status_code == 422
    north.refresh_from_db()
    assert north.parent is None


@pytest.mark.django_db
def test_unit_cannot_get_a_parent_from_another_programme(client, cast):
    client.force_login(cast.facilitator)
    foreign = cast.other_programme.units.first()
    response = client.post(
        reverse("unit_edit", args=[cast.programme.pk, cast.units["South"].pk]),
        {"name": "South", "parent": foreign.pk},
    )
    assert response.status_code == 422
    cast.units["South"].refresh_from_db()
    assert cast.units["South"].parent is None


@pytest.mark.django_db
def test_rename_and_move_unit_inline(client, cast):
    client.force_login(cast.facilitator)
    url = reverse("unit_edit", args=[cast.programme.pk, cast.units["South"].pk])
    form = client.get(url, HTTP_HX_REQUEST="true")
    assert form.status_code == 200
    assert "<html" not in form.content.decode()
    response = client.post(
        url, {"name": "South Day", "parent": cast.units["North"].pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#units-panel"
    unit = Unit.objects.get(pk=cast.units["South"].pk)
    assert (unit.name, unit.parent) == ("South Day", cast.units["North"])


@pytest.mark.django_db
def test_delete_unit_only_when_empty(client, cast):
    client.force_login(cast.facilitator)
    south = cast.units["South"]
    response = client.post(reverse("unit_delete", args=[cast.programme.pk, south.pk]))
    assert response.status_code == 302
    assert Unit.objects.filter(pk=south.pk).exists()  # it has participants
    north = cast.units["North"]
    client.post(reverse("unit_delete", args=[cast.programme.pk, north.pk]))
    assert Unit.objects.filter(pk=north.pk).exists()  # it has a child
    empty = Unit.objects.create(programme=cast.programme, name="Empty")
    client.post(reverse("unit_delete", args=[cast.programme.pk, empty.pk]))
    assert not Unit.objects.filter(pk=empty.pk).exists()
    assert audit_actions(cast.programme) == ["unit.delete"]


@pytest.mark.django_db
def test_a_unit_with_survey_answers_stays_with_a_message(client, cast):
    from tests.factories import closed_round

    answered = Unit.objects.create(programme=cast.programme, name="Answered")
    closed_round(cast.programme, "R", {answered: (4, 3)})
    client.force_login(cast.facilitator)
    response = client.post(
        reverse("unit_delete", args=[cast.programme.pk, answered.pk]), follow=True
    )
    assert response.status_code == 200
    assert "has survey answers, plans or posts that belong to it" in response.text
    assert Unit.objects.filter(pk=answered.pk).exists()


# --- Participants ------------------------------------------------------------------


@pytest.mark.django_db
def test_add_participant_gets_a_hashed_token(client, cast):
    client.force_login(cast.facilitator)
    response = client.post(
        reverse("participants", args=[cast.programme.pk]),
        {"name": "Mette", "email": "mette@example.dk", "unit": cast.units["South"].pk},
    )
    assert response.status_code == 302
    participant = Participant.objects.get(email="mette@example.dk")
    assert len(participant.token_hash) == 64
    assert participant.link_issued_at is None


@pytest.mark.django_db
def test_participant_email_unique_in_programme_case_insensitively(client, cast):
    client.force_login(cast.facilitator)
    existing = cast.programme.participants.first()
    before = Participant.objects.count()
    response = client.post(
        reverse("participants", args=[cast.programme.pk]),
        {"name": "Dup", "email": existing.email.upper(), "unit": cast.units["South"].pk},
    )
    assert response.status_code == 422
    assert Participant.objects.count() == before


@pytest.mark.django_db
def test_participant_unit_from_another_programme_is_refused(client, cast):
    client.force_login(cast.facilitator)
    before = Participant.objects.count()
    response = client.post(
        reverse("participants", args=[cast.programme.pk]),
        {"name": "X", "unit": cast.other_programme.units.first().pk},
    )
    assert response.status_code == 422
    assert Participant.objects.count() == before


@pytest.mark.django_db
def test_participant_list_query_count_is_constant(client, cast, django_assert_max_num_queries):
    client.force_login(cast.facilitator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("participants", args=[cast.programme.pk]))
    assert response.status_code == 200


@pytest.mark.django_db
def test_participant_search(client, cast):
    client.force_login(cast.facilitator)
    target = cast.programme.participants.first()
    page = client.get(
        reverse("participants", args=[cast.programme.pk]), {"q": target.email}
    ).content.decode()
    assert target.email in page
    others = cast.programme.participants.exclude(pk=target.pk)
    assert all(p.email not in page for p in others)


@pytest.mark.django_db
def test_issue_links_shows_them_once_and_voids_old_ones(client, cast):
    client.force_login(cast.facilitator)
    participant = cast.programme.participants.first()
    old_token = participant.issue_link_token()
    response = client.post(reverse("participant_links", args=[cast.programme.pk]), {"scope": "all"})
    assert response.status_code == 200
    html = response.content.decode()
    participant.refresh_from_db()
    assert participant.token_hash != hash_token(old_token)
    # Each slip prints its token in groups (thin spaces between spans) for reading.
    tokens = [
        re.sub(r"<[^>]+>|&#8201;", "", token).removesuffix("/")
        for token in re.findall(r'<span class="slip-token">(.+?)</span></p>', html)
    ]
    assert len(tokens) == cast.programme.participants.count()
    # Every shown link belongs to a participant of this programme; the old one to nobody.
    hashes = {hash_token(token) for token in tokens}
    assert hashes == set(cast.programme.participants.values_list("token_hash", flat=True))
    assert not Participant.objects.filter(token_hash=hash_token(old_token)).exists()
    assert audit_actions(cast.programme) == ["participant.issue_links"]


@pytest.mark.django_db
def test_issue_links_by_email(client, cast, mailoutbox):
    client.force_login(cast.facilitator)
    client.post(
        reverse("participant_links", args=[cast.programme.pk]),
        {"scope": "unissued", "send": "email"},
    )
    assert len(mailoutbox) == cast.programme.participants.count()
    assert "/p/" in mailoutbox[0].body
    assert not Participant.objects.filter(
        programme=cast.programme, link_issued_at__isnull=True
    ).exists()


@pytest.mark.django_db
def test_issue_links_for_a_foreign_participant_does_nothing(client, cast):
    client.force_login(cast.facilitator)
    foreign = cast.other_programme.participants.create(
        unit=cast.other_programme.units.first(), name="Foreign"
    )
    before = foreign.token_hash
    client.post(reverse("participant_links", args=[cast.programme.pk]), {"scope": foreign.pk})
    foreign.refresh_from_db()
    assert foreign.token_hash == before


@pytest.mark.django_db
def test_edit_and_delete_participant(client, cast):
    client.force_login(cast.facilitator)
    participant = cast.programme.participants.first()
    url = reverse("participant_edit", args=[cast.programme.pk, participant.pk])
    response = client.post(url, {"name": "New name", "email": "", "unit": cast.units["South"].pk})
    assert response.status_code == 302
    participant.refresh_from_db()
    assert (participant.name, participant.unit) == ("New name", cast.units["South"])
    client.post(reverse("participant_delete", args=[cast.programme.pk, participant.pk]))
    assert not Participant.objects.filter(pk=participant.pk).exists()
    assert audit_actions(cast.programme) == ["participant.edit", "participant.delete"]


# --- Participant link --------------------------------------------------------------


@pytest.mark.django_db
def test_personal_link_moves_token_into_session_and_redirects(client, cast):
    participant = cast.programme.participants.first()
    token = participant.issue_link_token()
    response = client.get(reverse("participant_link", args=[token]))
    assert response.status_code == 302
    assert response.url == reverse("participant_home")
    assert token not in response.url
    assert response["Referrer-Policy"] == "no-referrer"
    page = client.get(response.url)
    assert page.status_code == 200
    assert cast.programme.title in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"
    assert token not in page.content.decode()


@pytest.mark.django_db
def test_unknown_and_voided_links_look_the_same(client, cast):
    participant = cast.programme.participants.first()
    old = participant.issue_link_token()
    participant.issue_link_token()
    voided = client.get(client.get(reverse("participant_link", args=[old])).url)
    client.session.flush()
    unknown = client.get(client.get(reverse("participant_link", args=["nope"])).url)
    assert voided.status_code == unknown.status_code == 404
    assert [t.name for t in voided.templates][:1] == [t.name for t in unknown.templates][:1]


@pytest.mark.django_db
def test_archived_programme_link_looks_like_an_unknown_one(client, cast):
    participant = cast.programme.participants.first()
    token = participant.issue_link_token()
    cast.programme.status = "archived"
    cast.programme.save()
    response = client.get(client.get(reverse("participant_link", args=[token])).url)
    assert response.status_code == 404


@pytest.mark.django_db
def test_participant_page_speaks_the_programme_language(client, cast):
    programme = cast.other_programme  # Swedish
    participant = programme.participants.create(unit=programme.units.first())
    token = participant.issue_link_token()
    page = client.get(client.get(reverse("participant_link", args=[token])).url)
    assert '<html lang="sv">' in page.content.decode()


# --- Audit -------------------------------------------------------------------------


@pytest.mark.django_db
def test_audit_log_page_lists_changes(client, cast):
    client.force_login(cast.facilitator)
    client.post(reverse("units", args=[cast.programme.pk]), {"name": "Audited"})
    page = client.get(reverse("audit_log", args=[cast.programme.pk])).content.decode()
    assert "Unit added" in page


@pytest.mark.django_db
def test_a_second_workspace_member_sees_the_programme(client, cast):
    newcomer = MembershipFactory(
        workspace=cast.programme.workspace, user=UserFactory(username="newcomer")
    ).user
    client.force_login(newcomer)
    assert client.get(reverse("programme_detail", args=[cast.programme.pk])).status_code == 200
