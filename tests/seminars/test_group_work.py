"""Group work: groups per activity, shared notes that never lose an edit, the wall."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from programmes.models import AuditEntry
from seminars import services
from seminars.models import GroupSeat, GroupWork, WorkGroup


@pytest.fixture
def work(cast):
    """Seminar 1's discussion, with two free groups, open for notes."""
    work = GroupWork.objects.filter(activity__seminar__programme=cast.programme).first()
    GroupWork.objects.filter(pk=work.pk).update(is_open=True, question="What do we see?")
    work.refresh_from_db()
    for name in ("Table 1", "Table 2"):
        WorkGroup.objects.create(work=work, name=name)
    return work


def staff(cast) -> Client:
    client = Client()
    client.force_login(cast.facilitator)
    return client


def control_args(work) -> list:
    activity = work.activity
    return [activity.seminar.programme_id, activity.seminar_id, activity.pk]


def phone_in(work, group_name: str) -> Client:
    client = Client()
    response = client.post(reverse("join"), {"code": work.activity.seminar.room_code})
    assert response.url == reverse("group_phone", args=[work.pk])
    group = work.groups.get(name=group_name)
    assert (
        client.post(reverse("group_join", args=[work.pk]), {"group": group.pk}).status_code == 302
    )
    return client


def notes_form(client: Client, work) -> dict:
    page = client.get(reverse("group_phone", args=[work.pk])).content.decode()
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    return {"version": version, "h0": "", "h1": ""}


def save(client: Client, work, **texts):
    return client.post(reverse("group_notes", args=[work.pk]), texts)


@pytest.mark.django_db
def test_discussions_get_group_work_with_headings_in_the_programmes_language(cast):
    work = GroupWork.objects.filter(activity__seminar__programme=cast.programme).first()
    assert work.activity.kind == "discussion"
    assert work.headings == ["Challenges", "Goals and next steps"]


@pytest.mark.django_db
def test_one_group_per_team_with_a_click_and_free_groups(cast, work):
    client = staff(cast)
    url = reverse("group_add", args=control_args(work))
    assert client.post(url, {"per_unit": "1"}).status_code == 302
    names = set(work.groups.values_list("name", flat=True))
    assert {"North Day", "South"} <= names and "North" not in names  # teams: no sub-units
    assert client.post(url, {"per_unit": "1"}).status_code == 302  # again: nothing twice
    assert work.groups.filter(name="South").count() == 1
    south, north = cast.units["South"], cast.units["North"]
    response = client.post(url, {"name": "South + North", "units": [south.pk, north.pk]})
    assert response.status_code == 302
    assert set(work.groups.get(name="South + North").units.all()) == {south, north}
    assert client.post(url, {"name": ""}).status_code == 422
    assert client.post(url, {"name": "x", "units": ["999999"]}).status_code == 422
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"groups.per_unit", "groups.add"} <= actions


@pytest.mark.django_db
def test_scribes_share_notes_and_a_stale_save_shows_both_texts(work):
    first, second = phone_in(work, "Table 1"), phone_in(work, "Table 1")
    mine, theirs = notes_form(first, work), notes_form(second, work)
    assert save(first, work, **{**mine, "h0": "Too little time at handovers"}).status_code == 302
    response = save(second, work, **{**theirs, "h0": "Nobody tells the night shift"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Too little time at handovers" in page  # what the others saved
    assert "Nobody tells the night shift" in page  # and what this phone wrote, kept
    # The refused page carries the new version: saving the merged text now succeeds.
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    merged = "Too little time at handovers. Nobody tells the night shift"
    assert save(second, work, version=version, h0=merged, h1="").status_code == 302
    group = work.groups.get(name="Table 1")
    assert group.notes["Challenges"] == merged
    assert group.notes_version == 2


@pytest.mark.django_db
def test_a_double_tap_of_the_same_notes_is_harmless(work):
    client = phone_in(work, "Table 2")
    form = {**notes_form(client, work), "h0": "One thing"}
    assert save(client, work, **form).status_code == 302
    assert save(client, work, **form).status_code == 302  # the old version, the same text
    assert work.groups.get(name="Table 2").notes_version == 1


@pytest.mark.django_db
def test_a_phone_cannot_write_for_a_group_it_never_joined(work, cast):
    client = Client()
    client.post(reverse("join"), {"code": work.activity.seminar.room_code})
    response = save(client, work, version="0", h0="Sneaky")
    assert response.status_code == 403
    assert "Choose your group first" in response.content.decode()
    assert Client().get(reverse("group_phone", args=[work.pk])).status_code == 404
    bad = client.post(reverse("group_join", args=[work.pk]), {"group": "999999"})
    assert bad.status_code == 422
    assert not any(group.notes for group in work.groups.all())


@pytest.mark.django_db
def test_notes_over_the_limit_or_after_closing_are_refused_and_kept_on_the_page(work):
    client = phone_in(work, "Table 1")
    form = notes_form(client, work)
    response = save(client, work, **{**form, "h0": "x" * 10_001})
    assert response.status_code == 422
    assert "at most 10000 characters" in response.content.decode()
    GroupWork.objects.filter(pk=work.pk).update(is_open=False)
    response = save(client, work, **{**form, "h0": "Written as it closed"})
    assert response.status_code == 409
    assert "Written as it closed" in response.content.decode()  # nothing lost on the page
    assert not work.groups.get(name="Table 1").notes


@pytest.mark.django_db
def test_html_in_notes_is_escaped_on_the_phone_the_control_view_and_the_wall(work, cast):
    client = phone_in(work, "Table 1")
    save(client, work, **{**notes_form(client, work), "h0": "<script>alert(1)</script>"})
    token = services.issue_display_token(seminar=work.activity.seminar)
    staff_client = staff(cast)
    staff_client.post(reverse("group_present", args=control_args(work)))
    pages = [
        client.get(reverse("group_phone", args=[work.pk])),
        staff_client.get(reverse("group_control", args=control_args(work))),
        Client().get(reverse("display", args=[token])),
    ]
    for page in pages:
        html = page.content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db
def test_the_wall_presents_all_groups_or_one_and_polls_cheaply(
    work, cast, django_assert_max_num_queries
):
    client = phone_in(work, "Table 1")
    save(client, work, **{**notes_form(client, work), "h0": "Handovers"})
    other = phone_in(work, "Table 2")
    save(other, work, **{**notes_form(other, work), "h0": "Rotas"})
    token = services.issue_display_token(seminar=work.activity.seminar)
    url = reverse("group_present", args=control_args(work))
    staff(cast).post(url)
    html = Client().get(reverse("display", args=[token])).content.decode()
    assert "Handovers" in html and "Rotas" in html
    table_2 = work.groups.get(name="Table 2")
    staff(cast).post(url, {"group": table_2.pk})
    html = Client().get(reverse("display", args=[token])).content.decode()
    assert "Rotas" in html and "Handovers" not in html
    version = re.search(r'live/\?v=([^"]+)"', html).group(1)
    with django_assert_max_num_queries(2):
        response = Client().get(reverse("display_live", args=[token]), {"v": version})
    assert response.status_code == 204
    save(other, work, **{**notes_form(other, work), "h0": "Rotas and holidays"})
    assert Client().get(reverse("display_live", args=[token]), {"v": version}).status_code == 200


@pytest.mark.django_db
def test_the_control_view_polls_with_204_and_shows_notes_as_they_come(work, cast):
    url = reverse("group_control", args=control_args(work))
    client = staff(cast)
    assert client.get(url, {"v": work.version}, HTTP_HX_REQUEST="true").status_code == 204
    phone = phone_in(work, "Table 1")
    save(phone, work, **{**notes_form(phone, work), "h1": "Try a longer overlap"})
    response = client.get(url, {"v": work.version}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Try a longer overlap" in response.content.decode()
    assert "1 phone" in response.content.decode()


@pytest.mark.django_db
def test_settings_change_the_question_and_headings(work, cast):
    url = reverse("group_settings", args=control_args(work))
    client = staff(cast)
    form = {
        "question": "What works?",
        "headings": "What works\n\nWhat we try next\n",
        "is_open": "on",
    }
    assert client.post(url, form).status_code == 302
    work.refresh_from_db()
    assert work.headings == ["What works", "What we try next"]
    too_many = "\n".join(f"H{n}" for n in range(7))
    assert client.post(url, {**form, "headings": too_many}).status_code == 422


@pytest.mark.django_db(transaction=True)
def test_two_scribes_saving_at_once_lose_nothing(cast):
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL (row locks and separate connections)")
    work = GroupWork.objects.filter(activity__seminar__programme=cast.programme).first()
    GroupWork.objects.filter(pk=work.pk).update(is_open=True)
    WorkGroup.objects.create(work=work, name="Table 1")
    phones = [phone_in(work, "Table 1") for _ in range(2)]
    forms = [notes_form(phone, work) for phone in phones]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def scribe(phone, form, text):
        try:
            barrier.wait(timeout=10)
            statuses.append(save(phone, work, **{**form, "h0": text}).status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=scribe, args=(phones[i], forms[i], f"Text {i}")) for i in (0, 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [302, 409]
    group = work.groups.get()
    assert group.notes_version == 1 and group.notes["Challenges"] in {"Text 0", "Text 1"}
    assert GroupSeat.objects.filter(group=group).count() == 2


@pytest.mark.django_db
def test_renamed_headings_keep_their_notes(work, cast):
    client = phone_in(work, "Table 1")
    save(client, work, **{**notes_form(client, work), "h0": "Handovers", "h1": "Longer overlap"})
    stale = notes_form(client, work)
    url = reverse("group_settings", args=control_args(work))
    form = {"question": "Q", "headings": "What is hard\nWhat we try", "is_open": "on"}
    assert staff(cast).post(url, form).status_code == 302
    group = work.groups.get(name="Table 1")
    assert group.notes == {"What is hard": "Handovers", "What we try": "Longer overlap"}
    page = client.get(reverse("group_phone", args=[work.pk])).content.decode()
    assert "Handovers" in page and "What is hard" in page
    # A phone that opened the notes under the old headings gets both texts, not a loss.
    assert save(client, work, **{**stale, "h0": "Something else"}).status_code == 409
    fewer = {**form, "headings": "Only one"}
    assert staff(cast).post(url, fewer).status_code == 302
    group.refresh_from_db()
    assert group.notes == {"Only one": "Handovers", "What we try": "Longer overlap"}  # kept
