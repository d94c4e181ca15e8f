"""Answering on a phone: join, language, intro, unit, pages, review, submit, thanks."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from programmes import services as programme_services
from surveys import services
from surveys.models import Answer, Draft, Participation, Response
from surveys.views import pages


def join(client: Client, round) -> None:
    response = client.post(reverse("join"), {"code": services.room_code(round).lower()})
    assert response.status_code == 302
    assert response.url == reverse("survey_start", args=[round.pk])


def answer_all(client: Client, round, unit, items, value="4", language="en") -> Client:
    client.post(reverse("survey_start", args=[round.pk]), {"language": language})
    client.post(reverse("survey_start", args=[round.pk]), {"unit": unit.pk})
    for number, page_items in enumerate(pages(items), start=1):
        data = {f"item-{item.pk}": value for item in page_items}
        response = client.post(reverse("survey_page", args=[round.pk, number]), data)
        assert response.status_code == 302, response.content.decode()[:500]
    return client


def review_form(client: Client, round) -> dict:
    html = client.get(reverse("survey_review", args=[round.pk])).content.decode()
    draft = html.split('name="draft" value="')[1].split('"')[0]
    key = html.split('name="key" value="')[1].split('"')[0]
    return {"draft": draft, "key": key}


@pytest.mark.django_db
def test_room_flow_stores_one_anonymous_scored_response(client, cast, open_round, items):
    join(client, open_round)
    assert client.get(reverse("survey_start", args=[open_round.pk])).status_code == 200
    answer_all(client, open_round, cast.units["South"], items, value="4")
    form = review_form(client, open_round)
    response = client.post(reverse("survey_review", args=[open_round.pk]), form)
    assert response.status_code == 303
    assert response.url == reverse("survey_thanks", args=[open_round.pk])
    stored = Response.objects.get()
    assert stored.unit == cast.units["South"]
    assert stored.language == "en"
    assert stored.index == 75.0
    assert stored.trust == stored.justice == stored.collaboration == 75.0
    assert Answer.objects.filter(response=stored).count() == len(items)
    assert not Draft.objects.exists()
    assert not Participation.objects.exists()  # room mode: nobody is recorded
    thanks = client.get(response.url)
    assert thanks.status_code == 200
    assert "Thank you" in thanks.content.decode()


@pytest.mark.django_db
def test_double_submit_stores_one_response_and_answers_like_the_first(
    client, cast, open_round, items
):
    join(client, open_round)
    answer_all(client, open_round, cast.units["South"], items)
    form = review_form(client, open_round)
    first = client.post(reverse("survey_review", args=[open_round.pk]), form)
    second = client.post(reverse("survey_review", args=[open_round.pk]), form)
    assert first.status_code == second.status_code == 303
    assert Response.objects.count() == 1


@pytest.mark.django_db
def test_room_session_answers_once(client, cast, open_round, items):
    join(client, open_round)
    answer_all(client, open_round, cast.units["South"], items)
    client.post(reverse("survey_review", args=[open_round.pk]), review_form(client, open_round))
    again = client.get(reverse("survey_start", args=[open_round.pk]))
    assert again.status_code == 302
    assert again.url == reverse("survey_thanks", args=[open_round.pk])


@pytest.mark.django_db
def test_personal_link_answers_once_and_marks_participation(client, cast, open_round, items):
    participant = cast.programme.participants.filter(unit=cast.units["South"]).first()
    token = participant.issue_link_token()
    client.get(reverse("participant_link", args=[token]))
    home = client.get(reverse("participant_home"))
    assert reverse("survey_start", args=[open_round.pk]) in home.content.decode()
    answer_all(client, open_round, cast.units["South"], items)
    client.post(reverse("survey_review", args=[open_round.pk]), review_form(client, open_round))
    assert Participation.objects.filter(participant=participant, round=open_round).count() == 1
    assert Response.objects.count() == 1
    # A second phone with the same link is told it has answered.
    other = Client()
    other.get(reverse("participant_link", args=[token]))
    response = other.get(reverse("survey_start", args=[open_round.pk]))
    assert response.status_code == 409
    assert Response.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_participation_and_response_are_written_in_separate_transactions(cast, open_round):
    """PostgreSQL's xmin must not join who answered to what was answered."""
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL")
    participant = cast.programme.participants.first()
    draft = services.new_draft(round=open_round, language="da", unit=participant.unit)
    services.save_answers(
        draft=draft, answers={i.pk: 3 for i in services.survey_items(cast.programme)}
    )
    services.submit(
        round_id=draft.round_id,
        draft_id=draft.pk,
        key=draft.idempotency_key,
        participant=participant,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM surveys_participation")
        participation_xmin = cursor.fetchone()[0]
        cursor.execute("SELECT xmin::text FROM surveys_response")
        response_xmin = cursor.fetchone()[0]
    assert participation_xmin != response_xmin


@pytest.mark.django_db
def test_crash_between_the_two_writes_is_completed_by_the_retry(cast, open_round, monkeypatch):
    participant = cast.programme.participants.first()
    draft = services.new_draft(round=open_round, language="en", unit=participant.unit)
    services.save_answers(
        draft=draft, answers={i.pk: 5 for i in services.survey_items(cast.programme)}
    )

    def crash(draft):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(services, "_store_response", crash)
    with pytest.raises(RuntimeError):
        services.submit(
            round_id=draft.round_id,
            draft_id=draft.pk,
            key=draft.idempotency_key,
            participant=participant,
        )
    assert Participation.objects.count() == 1
    assert Response.objects.count() == 0
    assert Draft.objects.get(pk=draft.pk).submitting
    monkeypatch.undo()
    result = services.submit(
        round_id=draft.round_id,
        draft_id=draft.pk,
        key=draft.idempotency_key,
        participant=participant,
    )
    assert result.created
    assert Response.objects.count() == 1
    assert Participation.objects.count() == 1


@pytest.mark.django_db
def test_draft_survives_a_new_tab_and_a_reload(client, cast, open_round, items):
    join(client, open_round)
    client.post(reverse("survey_start", args=[open_round.pk]), {"language": "da"})
    client.post(reverse("survey_start", args=[open_round.pk]), {"unit": cast.units["North"].pk})
    first_page = pages(items)[0]
    client.post(
        reverse("survey_page", args=[open_round.pk, 1]),
        {f"item-{item.pk}": "2" for item in first_page},
    )
    html = client.get(reverse("survey_page", args=[open_round.pk, 1])).content.decode()
    assert html.count("checked") == len(first_page)
    assert '<html lang="da">' in html


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["6", "0", "-1", "abc", "dk-ish", "x" * 10_000, "3\x00", "٣"])
def test_values_outside_the_scale_are_refused_and_the_draft_kept(
    client, cast, open_round, items, value
):
    join(client, open_round)
    client.post(reverse("survey_start", args=[open_round.pk]), {"language": "en"})
    client.post(reverse("survey_start", args=[open_round.pk]), {"unit": cast.units["South"].pk})
    page = pages(items)[0]
    client.post(reverse("survey_page", args=[open_round.pk, 1]), {f"item-{page[0].pk}": "4"})
    response = client.post(
        reverse("survey_page", args=[open_round.pk, 1]), {f"item-{page[0].pk}": value}
    )
    assert response.status_code in (400, 422)
    draft = Draft.objects.get()
    assert draft.answers == {str(page[0].pk): "4"}
    assert Response.objects.count() == 0


@pytest.mark.django_db
def test_unknown_item_ids_are_a_400(client, cast, open_round, items):
    join(client, open_round)
    client.post(reverse("survey_start", args=[open_round.pk]), {"language": "en"})
    client.post(reverse("survey_start", args=[open_round.pk]), {"unit": cast.units["South"].pk})
    response = client.post(reverse("survey_page", args=[open_round.pk, 1]), {"item-999999": "3"})
    assert response.status_code == 400
    assert Draft.objects.get().answers == {}


@pytest.mark.django_db
def test_dont_know_only_where_offered(client, cast, open_round, items):
    join(client, open_round)
    client.post(reverse("survey_start", args=[open_round.pk]), {"language": "en"})
    client.post(reverse("survey_start", args=[open_round.pk]), {"unit": cast.units["South"].pk})
    for number, page_items in enumerate(pages(items), start=1):
        for item in page_items:
            response = client.post(
                reverse("survey_page", args=[open_round.pk, number]), {f"item-{item.pk}": "dk"}
            )
            assert response.status_code == (302 if item.allow_dont_know else 422)


@pytest.mark.django_db
def test_unit_from_another_programme_is_refused(client, cast, open_round):
    join(client, open_round)
    client.post(reverse("survey_start", args=[open_round.pk]), {"language": "en"})
    foreign = cast.other_programme.units.first()
    response = client.post(reverse("survey_start", args=[open_round.pk]), {"unit": foreign.pk})
    assert response.status_code == 422
    assert not Draft.objects.exists()  # the draft is made with a unit of this programme only


@pytest.mark.django_db
def test_forged_keys_store_nothing(client, cast, open_round, items):
    join(client, open_round)
    answer_all(client, open_round, cast.units["South"], items)
    form = review_form(client, open_round)
    for forged in (
        {**form, "key": str(uuid.uuid4())},
        {**form, "key": "nonsense"},
        {**form, "draft": str(uuid.uuid4())},
    ):
        response = client.post(reverse("survey_review", args=[open_round.pk]), forged)
        assert response.status_code == 400
    assert Response.objects.count() == 0
    assert Draft.objects.count() == 1


@pytest.mark.django_db
def test_closed_round_refuses_and_deletes_drafts(client, cast, open_round, items):
    join(client, open_round)
    answer_all(client, open_round, cast.units["South"], items)
    form = review_form(client, open_round)
    services.close_round(round=open_round)
    assert Draft.objects.count() == 0
    response = client.post(reverse("survey_review", args=[open_round.pk]), form)
    assert response.status_code == 410
    assert response.templates[0].name == "surveys/closed.html"
    assert Response.objects.count() == 0
    again = client.post(reverse("survey_review", args=[open_round.pk]), form)  # a second tap
    assert again.status_code == 410
    assert client.get(reverse("survey_review", args=[open_round.pk])).status_code == 410


@pytest.mark.django_db
def test_a_personal_link_on_the_review_page_when_the_round_closes(client, cast, open_round, items):
    participant = cast.units["South"].participants.first()
    link = programme_services.issue_links(participants=[participant])[0]
    client.get(link.path)
    client.get(reverse("survey_start", args=[open_round.pk]))
    answer_all(client, open_round, cast.units["South"], items)
    form = review_form(client, open_round)
    services.close_round(round=open_round)
    response = client.post(reverse("survey_review", args=[open_round.pk]), form)
    assert response.status_code == 410
    assert "closed" in response.content.decode()
    assert not Participation.objects.exists() and not Draft.objects.exists()


@pytest.mark.django_db
def test_submitting_after_close_raises_round_closed(cast, open_round, items):
    draft = services.new_draft(round=open_round, language="en", unit=cast.units["South"])
    services.close_round(round=open_round)
    with pytest.raises(services.RoundClosed):
        services.submit(
            round_id=open_round.pk, draft_id=draft.pk, key=draft.idempotency_key, participant=None
        )


@pytest.mark.django_db
def test_survey_without_admission_is_404(client, cast, open_round):
    assert client.get(reverse("survey_start", args=[open_round.pk])).status_code == 404


@pytest.mark.django_db
def test_wrong_codes_are_counted_and_limited(client, cast, open_round):
    for attempt in range(20):
        response = client.post(reverse("join"), {"code": f"ZZZZ{attempt:02d}"})
        assert response.status_code == 404
    response = client.post(reverse("join"), {"code": services.room_code(open_round)})
    assert response.status_code == 429


@pytest.mark.django_db
def test_closed_round_code_looks_like_a_wrong_code(client, cast, open_round):
    code = services.room_code(open_round)
    services.close_round(round=open_round)
    closed = client.post(reverse("join"), {"code": code})
    wrong = Client().post(reverse("join"), {"code": "QQQQQQ"})
    assert closed.status_code == wrong.status_code == 404
    assert [t.name for t in closed.templates] == [t.name for t in wrong.templates]
    assert open_round.title not in closed.content.decode()


@pytest.mark.django_db
def test_a_draft_is_only_sent_in_its_own_round(cast, open_round):
    other = services.open_round(
        round=open_round.__class__.objects.create(programme=cast.programme, title="Other")
    )
    draft = services.new_draft(round=open_round, language="en", unit=cast.units["South"])
    with pytest.raises(services.SurveyError):
        services.submit(
            round_id=other.pk, draft_id=draft.pk, key=draft.idempotency_key, participant=None
        )
    assert Response.objects.count() == 0
    assert Draft.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db
def test_submit_runs_a_small_fixed_number_of_queries(
    client, cast, open_round, items, django_assert_max_num_queries
):
    join(client, open_round)
    answer_all(client, open_round, cast.units["South"], items)
    form = review_form(client, open_round)
    with django_assert_max_num_queries(13):
        client.post(reverse("survey_review", args=[open_round.pk]), form)
    assert Response.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "expected"),
    [("sv-SE,sv;q=0.9,en;q=0.8", "sv"), ("en-GB,en;q=0.9", "en"), ("de-DE,de;q=0.9", "da")],
)
def test_the_language_step_follows_the_phone(client, cast, open_round, header, expected):
    """The programme is Danish; a phone that already reads Swedish or English keeps it."""
    cast.programme.language = "da"
    cast.programme.save(update_fields=["language"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = header
    join(client, open_round)
    response = client.get(reverse("survey_start", args=[open_round.pk]))
    html = response.content.decode()
    assert f'<html lang="{expected}"' in html
    current = re.findall(r'name="language" value="(\w+)"[^>]*aria-current="true"', html)
    assert current == [expected]


@pytest.mark.django_db
def test_closing_a_round_asks_first_and_then_says_what_happened(client, cast, open_round, items):
    from programmes.models import AuditEntry
    from surveys.models import Round

    client.force_login(cast.facilitator)
    close = reverse("round_close", args=[cast.programme.pk, open_round.pk])
    detail = reverse("round_detail", args=[cast.programme.pk, open_round.pk])
    page = client.get(detail).content.decode()
    assert "Close the round…" in page and "Yes, close the round" in page
    assert page.index("Open the projector view") < page.index("Close the round…")

    asked = client.post(close)  # the first step only asks
    assert asked.status_code == 302 and asked.url == detail + "?close=ask"
    assert Round.objects.get(pk=open_round.pk).is_open
    assert not AuditEntry.objects.filter(action="round.close").exists()
    confirm = client.get(asked.url).content.decode()
    assert '<details class="close-round" open>' in confirm

    done = client.post(close, {"confirm": "yes"}, follow=True)
    assert not Round.objects.get(pk=open_round.pk).is_open
    assert "is closed with 0 answers" in done.content.decode()
    assert AuditEntry.objects.filter(action="round.close").count() == 1
    again = client.post(close, {"confirm": "yes"}, follow=True)  # a double click
    assert "already closed" in again.content.decode()
    assert AuditEntry.objects.filter(action="round.close").count() == 1


@pytest.mark.django_db
def test_the_rounds_projector_button_opens_its_own_seminars_projector(client, cast):
    """The round page's "Open the projector view" posts to the seminar's id.

    It once posted to the seminar's number, which is the id only for the first programme in
    a fresh database: for any other the projector did not open (404), or opened another of
    the programme's seminars. The cast's second programme has seminar ids from 5 up. (Checked
    to fail with the number put back in templates/surveys/round_detail.html.)
    """
    from seminars.models import Seminar
    from surveys.models import Round

    programme = cast.other_programme
    seminar = programme.seminars.get(number=1)
    assert seminar.pk != seminar.number
    services.get_or_create_setup(programme=programme)
    round = services.open_round(
        round=Round.objects.create(programme=programme, seminar=seminar, title="Baseline")
    )
    client.force_login(cast.outsider)  # the facilitator of the second workspace
    page = client.get(reverse("round_detail", args=[programme.pk, round.pk])).content.decode()
    action = reverse("display_open", args=[programme.pk, seminar.pk])
    assert f'action="{action}" target="_blank"' in page

    opened = client.post(action)
    assert opened.status_code == 302 and opened.url.startswith("/display/")
    assert client.get(opened.url).status_code == 200
    assert Seminar.objects.get(pk=seminar.pk).display_token_hash
