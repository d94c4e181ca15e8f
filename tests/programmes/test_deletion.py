"""Deleting a programme (QUALITY G-2, R-11): gone from every page and link at once, its rows
removed in resumable batches, and 0 rows of it left in any table, counted table by table."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from programmes import deletion, services
from programmes.models import AuditEntry, Programme

# Tables whose rows are not a programme's: accounts and workspaces outlive their programmes,
# the audit trail keeps its note (ids as plain values), sessions and counters expire on their
# own, and a workspace's instrument versions are the workspace's.
NOT_A_PROGRAMMES = {
    "programmes_user",
    "programmes_workspace",
    "programmes_membership",
    "programmes_workspaceinvitation",
    "programmes_auditentry",
    "programmes_ratecounter",
    "django_session",
    "django_cache",
}


def table_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.django_db
def test_deleting_every_demo_programme_leaves_no_row_of_them_in_any_table():
    before = table_counts()
    call_command("demo", stdout=io.StringIO())
    built = table_counts()
    grown = {t for t in built if built[t] > before[t]} - NOT_A_PROGRAMMES
    assert {"surveys_answer", "seminars_post", "actionplans_personalplan"} <= grown
    programmes = list(Programme.objects.all())
    assert len(programmes) >= 5
    for programme in programmes:
        assert services.delete_programme(programme=programme)
    after = table_counts()
    left = {t: after[t] - before[t] for t in after if after[t] != before[t]}
    assert set(left) <= NOT_A_PROGRAMMES, {
        t: n for t, n in left.items() if t not in NOT_A_PROGRAMMES
    }
    print(f"{len(grown)} tables held programme rows; 0 rows left in all {len(after)} tables")


@pytest.mark.django_db
def test_a_marked_programme_is_gone_from_every_way_in_at_once(cast, client):
    from programmes.models import Participant

    participant = cast.programme.participants.first()
    link = services.issue_links(participants=[participant])[0].path
    facilitator = Client()
    facilitator.force_login(cast.facilitator)
    detail = reverse("programme_detail", args=[cast.programme.pk])
    assert facilitator.get(detail).status_code == 200
    manager = Client()
    manager.force_login(cast.limited_manager)
    assert manager.get(detail).status_code == 200
    deletion.mark_deleted(programme=cast.programme)
    assert facilitator.get(detail).status_code == 404
    assert cast.programme.title not in facilitator.get(reverse("home")).text
    assert manager.get(detail).status_code in (302, 404)  # their account went with it
    assert facilitator.get(reverse("report_pdf", args=[cast.programme.pk])).status_code == 404
    phone = Client()
    home = phone.get(link, follow=True)
    assert cast.programme.organisation not in home.text
    assert Participant.objects.filter(pk=participant.pk).exists()  # rows wait for the purge


@pytest.mark.django_db
def test_the_facilitator_deletes_a_programme_after_typing_its_title(cast):
    client = Client()
    client.force_login(cast.facilitator)
    url = reverse("programme_delete", args=[cast.programme.pk])
    page = client.get(url)
    assert page.status_code == 200 and "participants with personal links" in page.text
    wrong = client.post(url, {"confirm": "something else"})
    assert wrong.status_code == 422
    assert Programme.objects.filter(pk=cast.programme.pk).exists()
    response = client.post(url, {"confirm": cast.programme.title})
    assert response.status_code == 302
    assert not Programme.all_objects.filter(pk=cast.programme.pk).exists()
    assert AuditEntry.objects.filter(action="programme.delete", programme_id=cast.programme.pk)
    for user in (cast.facilitator, cast.other_manager):  # not theirs to delete
        other = Client()
        other.force_login(user)
        assert (
            other.post(
                reverse("programme_delete", args=[cast.other_programme.pk]),
                {"confirm": cast.other_programme.title},
            ).status_code
            == 404
        )
    assert Programme.objects.filter(pk=cast.other_programme.pk).exists()


@pytest.mark.django_db
def test_a_purge_stopped_by_its_budget_goes_on_where_it_stopped(cast, monkeypatch):
    from tests.factories import closed_round

    closed_round(cast.programme, "Before", {cast.units["South"]: (4, 12)})
    monkeypatch.setattr(deletion, "BATCH", 5)
    deletion.mark_deleted(programme=cast.programme)
    assert deletion.purge(cast.programme.pk, budget=0) is False  # one batch, then out of time
    assert Programme.all_objects.filter(pk=cast.programme.pk).exists()
    assert deletion.purge(cast.programme.pk) is True
    assert not Programme.all_objects.filter(pk=cast.programme.pk).exists()
    assert deletion.purge(cast.programme.pk) is True  # again: nothing to do


@pytest.mark.django_db
def test_a_fault_in_the_marking_transaction_changes_nothing(cast, monkeypatch):
    client = Client()
    client.force_login(cast.facilitator)

    def fail(**kwargs):
        raise RuntimeError("the database went away halfway")

    monkeypatch.setattr(deletion, "mark_deleted", fail)
    with pytest.raises(RuntimeError):
        client.post(
            reverse("programme_delete", args=[cast.programme.pk]), {"confirm": cast.programme.title}
        )
    assert Programme.objects.filter(pk=cast.programme.pk).exists()
    assert not AuditEntry.objects.filter(action="programme.delete").exists()  # rolled back


def test_every_model_that_reaches_a_programme_is_purged_children_first():
    order = [owned.model for owned in deletion.owned_models()]
    from surveys.models import Answer, Response, Round

    assert order.index(Answer) < order.index(Response) < order.index(Round)
    assert len(order) == len(set(order)) >= 40


@pytest.mark.django_db
def test_a_managers_account_goes_with_their_only_programme_and_the_log_keeps_a_number(cast):
    from programmes.models import ProgrammeManager, User
    from tests.factories import ProgrammeManagerFactory

    ProgrammeManagerFactory(programme=cast.other_programme, user=cast.limited_manager)
    client = Client()
    client.force_login(cast.manager)
    client.get(reverse("report_pdf", args=[cast.programme.pk]))  # logged? only downloads are
    AuditEntry.objects.create(
        actor_id=cast.manager.pk,
        actor="",
        role="manager",
        action="report.download_full",
        object_type="",
        programme_id=cast.programme.pk,
        workspace_id=cast.programme.workspace_id,
    )
    services.delete_programme(programme=cast.programme)
    assert not User.objects.filter(pk=cast.manager.pk).exists()  # this programme alone
    assert User.objects.filter(pk=cast.limited_manager.pk).exists()  # follows another one
    assert ProgrammeManager.objects.filter(user=cast.limited_manager).count() == 1
    owner = Client()
    owner.force_login(cast.facilitator)
    log = owner.get(reverse("workspace_audit", args=[cast.programme.workspace_id])).text
    assert f"Former user (no. {cast.manager.pk})" in log and "mgr" not in log


@pytest.mark.django_db
def test_erasing_a_participant_takes_name_email_link_and_participations_in_one_step(cast):
    from surveys import services as surveys
    from surveys.models import Participation, Response, Round

    participant = cast.programme.participants.first()
    surveys.get_or_create_setup(programme=cast.programme)
    round_ = surveys.open_round(round=Round.objects.create(programme=cast.programme, title="R"))
    draft = surveys.new_draft(round=round_, language="en", unit=participant.unit)
    items = surveys.survey_items(cast.programme)
    surveys.save_answers(draft=draft, answers={item.pk: 4 for item in items})
    surveys.submit(
        round_id=round_.pk, draft_id=draft.pk, key=draft.idempotency_key, participant=participant
    )
    assert Participation.objects.filter(participant=participant).count() == 1
    responses = Response.objects.count()
    client = Client()
    client.force_login(cast.facilitator)
    response = client.post(
        reverse("participant_delete", args=[cast.programme.pk, participant.pk]), follow=True
    )
    assert "Their anonymous answers stay in the results" in response.text
    assert not type(participant).objects.filter(pk=participant.pk).exists()
    assert not Participation.objects.filter(participant_id=participant.pk).exists()
    assert Response.objects.count() == responses  # anonymous: not theirs to take along
    entry = AuditEntry.objects.get(action="participant.delete")
    assert participant.name not in str(entry.details) and entry.actor == ""
