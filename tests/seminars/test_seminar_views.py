"""Seminar run-sheets: facilitators edit date, place, goals and the agenda."""

from __future__ import annotations

import pytest
from django.urls import reverse

from programmes.models import AuditEntry
from seminars.models import Activity


def url(name, cast, *extra):
    return reverse(name, args=[cast.programme.pk, cast.programme.seminars.get(number=1).pk, *extra])


@pytest.mark.django_db
def test_run_sheet_shows_the_agenda(client, cast):
    client.force_login(cast.facilitator)
    html = client.get(url("seminar_detail", cast)).content.decode()
    assert "Insight into your social capital" in html
    assert "Temperature survey: trust, fairness and collaboration" in html


@pytest.mark.django_db
def test_edit_seminar_date_place_goals(client, cast):
    client.force_login(cast.facilitator)
    response = client.post(
        url("seminar_detail", cast),
        {
            "title": "Indsigt",
            "date": "2027-01-14",
            "starts_at": "09:00",
            "ends_at": "15:30",
            "place": "Rådhuset",
            "goals": "Fælles sprog",
        },
    )
    assert response.status_code == 302
    seminar = cast.programme.seminars.get(number=1)
    assert (seminar.title, str(seminar.date), seminar.place) == (
        "Indsigt",
        "2027-01-14",
        "Rådhuset",
    )
    assert AuditEntry.objects.filter(action="seminar.edit").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"title": "", "date": ""},
        {"title": "X", "date": "2027-02-30"},
        {"title": "X", "starts_at": "15:00", "ends_at": "09:00"},
        {"title": "X" * 201},
        {"title": "X", "starts_at": "25:99"},
    ],
)
def test_bad_seminar_input_is_422_and_changes_nothing(client, cast, data):
    client.force_login(cast.facilitator)
    before = cast.programme.seminars.get(number=1)
    response = client.post(url("seminar_detail", cast), data)
    assert response.status_code == 422
    after = cast.programme.seminars.get(number=1)
    assert (after.title, after.date, after.starts_at) == (
        before.title,
        before.date,
        before.starts_at,
    )


@pytest.mark.django_db
def test_manager_reads_the_run_sheet_but_cannot_edit(client, cast):
    client.force_login(cast.manager)
    response = client.get(url("seminar_detail", cast))
    assert response.status_code == 200
    assert "Save seminar" not in response.content.decode()
    response = client.post(url("seminar_detail", cast), {"title": "Hijacked"})
    assert response.status_code == 404
    assert cast.programme.seminars.get(number=1).title != "Hijacked"


@pytest.mark.django_db
def test_add_edit_move_and_remove_activities(client, cast):
    client.force_login(cast.facilitator)
    seminar = cast.programme.seminars.get(number=1)
    count = seminar.activities.count()
    response = client.post(
        url("activity_add", cast),
        {"title": "Lunch", "starts_at": "12:00", "ends_at": "12:45", "kind": "break"},
    )
    assert response.status_code == 302
    lunch = seminar.activities.get(title="Lunch")
    assert lunch.position == count
    client.post(url("activity_move", cast, lunch.pk), {"direction": "up"})
    titles = list(seminar.activities.values_list("title", flat=True))
    assert titles.index("Lunch") == count - 1
    client.post(
        url("activity_edit", cast, lunch.pk),
        {"title": "Frokost", "starts_at": "12:00", "ends_at": "12:30", "kind": "break"},
    )
    lunch.refresh_from_db()
    assert lunch.title == "Frokost"
    client.post(url("activity_delete", cast, lunch.pk))
    assert not Activity.objects.filter(pk=lunch.pk).exists()
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["activity.create", "activity.move", "activity.edit", "activity.delete"]


@pytest.mark.django_db
def test_moving_the_first_activity_up_keeps_the_order(client, cast):
    client.force_login(cast.facilitator)
    seminar = cast.programme.seminars.get(number=1)
    before = list(seminar.activities.values_list("pk", flat=True))
    client.post(url("activity_move", cast, before[0]), {"direction": "up"})
    assert list(seminar.activities.values_list("pk", flat=True)) == before


@pytest.mark.django_db
def test_invalid_activity_is_422(client, cast):
    client.force_login(cast.facilitator)
    seminar = cast.programme.seminars.get(number=1)
    count = seminar.activities.count()
    response = client.post(url("activity_add", cast), {"title": "", "kind": "nonsense"})
    assert response.status_code == 422
    assert seminar.activities.count() == count


@pytest.mark.django_db
def test_unknown_seminar_number_is_404(client, cast):
    client.force_login(cast.facilitator)
    response = client.get(reverse("seminar_detail", args=[cast.programme.pk, 987654]))
    assert response.status_code == 404
