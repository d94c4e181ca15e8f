"""All-or-nothing writes (QUALITY R-11): a fault halfway through a write leaves no partial row.

The fault is the one a server really meets halfway: the database connection goes away
(PostgreSQL restarting, a network blip). `fault_at` makes one SQL statement fail with the
OperationalError psycopg raises then, after the request has already written something, so
the fault falls between two writes of the same request. Afterwards every table holds the
same rows as before (counts and a checksum of the rows' contents, so an UPDATE shows too),
the person gets the translated 503 page ("nothing saved is lost, try again in a moment"),
and sending the same form again then does the whole write once.

How each test was made sure to fail: with `create_plan` not atomic, the confirm's audit row
written after its transaction, or the personal plan's page built after the plan was stored
(as the code first had them), the plan, the participants or the plan key's row stayed
behind: `changed_tables` named them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans import personal
from actionplans import services as plan_services
from actionplans.models import Action, Feedback, PersonalPlan, TeamPlan
from programmes.models import AuditEntry, Participant, Programme, ProgrammeManager
from surveys import services
from surveys.models import Draft, Participation, Response
from tests.surveys.test_survey_flow import answer_all, join, review_form
from tests.test_database_outage import PARTICIPANT_TEXT, STAFF_TEXT, assert_friendly_503

# Written by every request whatever it does (the session, rate-limit counters, the cache).
# Real commits, as in production: inside a test's own transaction a failed statement would
# spoil the rest of the test, and a write outside any atomic block would look rolled back.
pytestmark = pytest.mark.django_db(transaction=True)

NOT_COMPARED = {"django_session", "django_cache", "programmes_ratecounter"}
WRITES = ("INSERT", "UPDATE", "DELETE")


def table_state() -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its rows, each row as PostgreSQL prints it."""
    state = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table in NOT_COMPARED:
                continue
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM \"{table}\" t"  # noqa: E501
            )
            state[table] = cursor.fetchone()
    return state


def changed_tables(before: dict, after: dict) -> dict[str, tuple]:
    return {t: (before[t][0], after[t][0]) for t in after if after[t] != before[t]}


@dataclass
class Fault:
    """What ran before the injected fault, and whether it struck."""

    statement: str
    writes_before: list[str] = field(default_factory=list)
    struck: bool = False


@contextmanager
def fault_at(statement: str) -> Iterator[Fault]:
    """The first SQL statement starting with `statement` fails as a lost connection does;
    every statement after it runs (the 503 page, the session). Records the writes before it."""
    fault = Fault(statement)

    def wrapper(execute, sql, params, many, context):
        if not fault.struck and sql.lstrip().startswith(statement):
            fault.struck = True
            raise OperationalError("server closed the connection unexpectedly (injected)")
        if not fault.struck and sql.lstrip().startswith(WRITES):
            fault.writes_before.append(sql.split(" (")[0][:80])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield fault


def assert_halfway(fault: Fault) -> None:
    """The fault struck after the request had written something: a write was cut in two."""
    assert fault.struck, f"no statement started with {fault.statement!r}"
    assert fault.writes_before, f"nothing was written before {fault.statement!r}"


def danish_phone() -> Client:
    # The 503 of a fault met after the view comes through handler500 (see test_database_outage).
    return Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="da")


def danish_staff(user) -> Client:
    client = danish_phone()
    client.force_login(user)
    return client


# --- The survey submit ------------------------------------------------------------------------
#
# A submit on PostgreSQL usually stores its draft in one statement (surveys.services.
# _store_as_read): it deletes the draft, writes the response and its answers. A statement is
# all or nothing in PostgreSQL, and the fault below strikes inside it, from a trigger, after
# the draft's delete and (for the answers) the response's insert have run. When the draft
# changed since the request read it, the submit takes the locked path, a transaction of
# several statements, where the fault strikes between two of them.


@contextmanager
def failing_insert(table: str) -> Iterator[None]:
    """Every INSERT into `table` fails inside the database, as a lost connection does
    (SQLSTATE 08006, psycopg's OperationalError), until the block ends."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION injected_fault() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'injected fault' USING ERRCODE = '08006'; END $$"
        )
        cursor.execute(
            f'CREATE TRIGGER injected_fault BEFORE INSERT ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION injected_fault()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP TRIGGER injected_fault ON "{table}"')
            cursor.execute("DROP FUNCTION injected_fault()")


def answered_phone(open_round, cast, items) -> tuple[Client, dict, str]:
    phone = danish_phone()
    join(phone, open_round)
    answer_all(phone, open_round, cast.units["South"], items, language="da")
    return phone, review_form(phone, open_round), reverse("survey_review", args=[open_round.pk])


def assert_stored_once_on_retry(phone: Client, review: str, form: dict, open_round, items) -> None:
    again = phone.post(review, form)
    assert again.status_code == 303
    assert Response.objects.filter(round=open_round, idempotency_key=form["key"]).count() == 1
    assert Response.objects.get(idempotency_key=form["key"]).answers.count() == len(items)
    assert not Draft.objects.filter(pk=form["draft"]).exists()


@pytest.mark.parametrize(
    "table",
    [
        "surveys_response",  # the draft deleted, the response not yet written
        "surveys_answer",  # the draft deleted and the response written, its answers not yet
    ],
)
def test_a_fault_inside_the_one_statement_submit_stores_nothing_and_the_retry_stores_one(
    cast, open_round, items, table
):
    phone, form, review = answered_phone(open_round, cast, items)
    before = table_state()
    with CaptureQueriesContext(connection) as captured, failing_insert(table):
        response = phone.post(review, form)
    writes = [q["sql"] for q in captured.captured_queries if "WITH sent AS" in q["sql"]]
    assert len(writes) == 1  # the one statement ran, and failed
    assert_friendly_503(response, text=PARTICIPANT_TEXT)
    assert changed_tables(before, table_state()) == {}
    assert Draft.objects.filter(pk=form["draft"]).exists()  # the answers wait for the retry
    assert_stored_once_on_retry(phone, review, form, open_round, items)


@pytest.mark.parametrize(
    "statement",
    [
        'INSERT INTO "surveys_answer"',  # the response is written, its answers not yet
        'DELETE FROM "surveys_draft"',  # response and answers written, the draft not deleted
    ],
)
def test_a_fault_halfway_through_the_locked_submit_stores_nothing_and_the_retry_stores_one(
    cast, open_round, items, statement, monkeypatch
):
    phone, form, review = answered_phone(open_round, cast, items)
    before = table_state()
    # As when the draft changed after the request read it: the one statement stores nothing.
    monkeypatch.setattr(services, "_store_as_read", lambda draft: False)
    with fault_at(statement) as fault:
        response = phone.post(review, form)
    assert_halfway(fault)
    assert_friendly_503(response, text=PARTICIPANT_TEXT)
    assert changed_tables(before, table_state()) == {}
    assert Draft.objects.filter(pk=form["draft"]).exists()
    assert_stored_once_on_retry(phone, review, form, open_round, items)
    print(f"fault at {statement}: after {len(fault.writes_before)} writes, 0 tables changed")


def test_a_personal_links_fault_between_the_two_transactions_keeps_only_the_mark(
    cast, open_round, items
):
    """By design the "has answered" mark commits first (surveys.services' docstring): the
    fault in the second transaction leaves the mark and the draft's flag, nothing else, and
    the retry with the same key completes the answer."""
    participant = cast.programme.participants.first()
    phone = danish_phone()
    phone.get(reverse("participant_link", args=[participant.issue_link_token()]))
    answer_all(phone, open_round, cast.units["South"], items, language="da")
    form = review_form(phone, open_round)
    review = reverse("survey_review", args=[open_round.pk])
    before = table_state()
    with failing_insert("surveys_answer"):
        response = phone.post(review, form)
    assert_friendly_503(response, text=PARTICIPANT_TEXT)
    changed = changed_tables(before, table_state())
    assert changed == {"surveys_participation": (0, 1), "surveys_draft": (1, 1)}
    assert Draft.objects.get(pk=form["draft"]).submitting
    assert phone.post(review, form).status_code == 303
    assert Response.objects.filter(round=open_round).count() == 1
    assert Participation.objects.filter(participant=participant).count() == 1


# --- The participant CSV import ---------------------------------------------------------------

CSV = b"Navn;E-mail;Enhed\r\nMette Hansen;mette@example.dk;North / North Day\r\nBo Ek;;South\r\n"


def staged_import(client: Client, programme: Programme) -> str:
    upload = SimpleUploadedFile("deltagere.csv", CSV, content_type="text/csv")
    page = client.post(reverse("participant_import", args=[programme.pk]), {"file": upload})
    assert page.status_code == 200
    return re.search(r'name="staged" value="(\d+)"', page.content.decode()).group(1)


@pytest.mark.parametrize(
    "statement",
    [
        'DELETE FROM "programmes_participantimport"',  # participants written, the stage kept
        'INSERT INTO "programmes_auditentry"',  # the import done, its audit row not written
    ],
)
def test_a_fault_halfway_through_an_import_confirm_imports_nobody(cast, statement):
    facilitator = danish_staff(cast.facilitator)
    staged = staged_import(facilitator, cast.programme)
    confirm = reverse("participant_import_confirm", args=[cast.programme.pk])
    participants = Participant.objects.count()
    before = table_state()
    with fault_at(statement) as fault:
        response = facilitator.post(confirm, {"staged": staged})
    assert_halfway(fault)
    assert_friendly_503(response, text=STAFF_TEXT)
    assert changed_tables(before, table_state()) == {}
    again = facilitator.post(confirm, {"staged": staged})  # the same preview, once more
    assert again.status_code == 302
    assert Participant.objects.count() == participants + 2
    assert AuditEntry.objects.filter(action="participant.import").count() == 1


# --- Team plans -------------------------------------------------------------------------------


@pytest.fixture
def plan(cast) -> TeamPlan:
    plan = plan_services.create_plan(request=None, programme=cast.programme, title="Overlap")
    plan_services.add_action(request=None, plan=plan, text="Fast overlap kl. 15")
    return plan


def new_plan(cast) -> tuple[str, dict]:
    return reverse("plans", args=[cast.programme.pk]), {
        "title": "Bedre introduktion",
        "unit": cast.units["South"].pk,
        "focus": "collaboration",
    }


def plan_edit(cast, plan) -> tuple[str, dict]:
    return reverse("plan_detail", args=[cast.programme.pk, plan.pk]), {
        "version": plan.version,
        "title": plan.title,
        "focus": "trust",
        "goal": "Alle nye får en makker den første uge",
        "success_sign": "Nye kolleger siger de blev taget godt imod",
    }


def action_add(cast, plan) -> tuple[str, dict]:
    return reverse("action_add", args=[cast.programme.pk, plan.pk]), {
        "new-text": "Makkerordning",
        "new-status": Action.Status.PLANNED,
    }


@pytest.mark.parametrize("write", [new_plan, plan_edit, action_add])
def test_a_fault_halfway_through_a_team_plan_write_changes_nothing(cast, plan, write):
    """The plan or action is written, then its audit row fails: both or neither."""
    facilitator = danish_staff(cast.facilitator)
    url, data = write(cast, plan) if write is not new_plan else write(cast)
    before = table_state()
    with fault_at('INSERT INTO "programmes_auditentry"') as fault:
        response = facilitator.post(url, data)
    assert_halfway(fault)
    assert_friendly_503(response, text=STAFF_TEXT)
    assert changed_tables(before, table_state()) == {}
    again = facilitator.post(url, data)
    assert again.status_code == 302, again.content.decode()[:2000]
    assert len(changed_tables(before, table_state())) >= 2  # the write and its audit row


# --- Personal plans ---------------------------------------------------------------------------

PLAN = {
    "goal": "Spørge en kollega om dagen hvordan vagten gik",
    "first_steps": "Starte mandag på morgenmødet",
    "support": "Anna fra nattevagten",
    "check": "Ved næste seminar",
}


def phone_with_link(cast) -> Client:
    participant = cast.programme.participants.filter(unit=cast.units["North"]).first()
    phone = danish_phone()
    phone.get(reverse("participant_link", args=[participant.issue_link_token()]))
    return phone


def test_a_fault_after_the_plan_is_stored_but_before_its_key_is_handed_over_keeps_no_plan(
    cast, monkeypatch
):
    """The key exists only in the reply: a plan stored without its page would be ciphertext
    nobody can ever open. The fault strikes while the page with the recovery code is made."""
    from actionplans import views_personal

    phone = phone_with_link(cast)

    def lost_connection(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly (injected)")

    monkeypatch.setattr(views_personal, "qr_svg", lost_connection)
    before = table_state()
    response = phone.post(reverse("plan_start"), PLAN)
    assert_friendly_503(response, text=PARTICIPANT_TEXT)
    assert views_personal.COOKIE_NAME not in response.cookies
    assert changed_tables(before, table_state()) == {}
    monkeypatch.undo()
    again = phone.post(reverse("plan_start"), PLAN)
    assert again.status_code == 200
    assert views_personal.COOKIE_NAME in again.cookies
    assert PersonalPlan.objects.count() == 1


def test_a_fault_halfway_through_feedback_gives_none_and_keeps_the_share(cast):
    """Feedback is written, then the share it used up fails to be marked: neither stays."""
    plan, key = personal.create_plan(programme=cast.programme, unit=None, fields=PLAN)
    _share, code = personal.create_share(key=key)
    colleague = danish_phone()
    url = reverse("plan_shared", args=[code])
    before = table_state()
    with fault_at('UPDATE "actionplans_sparringshare"') as fault:
        response = colleague.post(url, {"works": "Meget konkret", "suggestion": "Spørg Bo"})
    assert_halfway(fault)
    assert_friendly_503(response, text=PARTICIPANT_TEXT)
    assert changed_tables(before, table_state()) == {}
    assert colleague.post(url, {"works": "Meget konkret"}).status_code == 200
    assert Feedback.objects.filter(plan=plan).count() == 1


# --- Deleting a programme ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        'UPDATE "programmes_programme"',  # the audit row written, the mark not yet
        'DELETE FROM "programmes_programmemanager"',  # marked deleted, managers not yet dropped
    ],
)
def test_a_fault_halfway_through_the_deletions_first_transaction_changes_nothing(cast, statement):
    facilitator = danish_staff(cast.facilitator)
    url = reverse("programme_delete", args=[cast.programme.pk])
    managers = ProgrammeManager.objects.filter(programme=cast.programme).count()
    before = table_state()
    with fault_at(statement) as fault:
        response = facilitator.post(url, {"confirm": cast.programme.title})
    assert_halfway(fault)
    assert_friendly_503(response, text=STAFF_TEXT)
    assert changed_tables(before, table_state()) == {}
    assert Programme.objects.filter(pk=cast.programme.pk).exists()  # still on every page
    assert ProgrammeManager.objects.filter(programme=cast.programme).count() == managers
    assert facilitator.post(url, {"confirm": cast.programme.title}).status_code == 302
    assert not Programme.all_objects.filter(pk=cast.programme.pk).exists()


def test_the_checksum_sees_an_update_that_keeps_the_count(cast):
    """The snapshot is not only counts: an UPDATE of one field changes its table's entry."""
    before = table_state()
    Programme.objects.filter(pk=cast.programme.pk).update(title="Omdøbt")
    assert changed_tables(before, table_state()) == {"programmes_programme": (2, 2)}
