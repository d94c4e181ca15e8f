"""A double tap on a personal link: every copy of one submission answers as the first did.

Two requests with the same session and the same form race through two reads: the page reads
the session's draft, then asks whether the participant has answered. When the first request
takes the "has answered" mark between those two reads, the second used to see a
Participation beside a draft that was not (yet, in its copy) submitting, and answered 409.
"""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from surveys import services
from surveys import views as survey_views
from surveys.models import Draft, Participation, Response
from tests.factories import ParticipantFactory
from tests.surveys.test_survey_flow import answer_all, review_form


def personal_link_phone(client: Client, cast, round, items, *, link=None):
    """A phone that opened a personal link (a fresh one by default) and stands on the review
    page."""
    participant, token = link or new_link(cast)
    client.get(reverse("participant_link", args=[token]))
    answer_all(client, round, cast.units["South"], items)
    return participant, review_form(client, round)


def new_link(cast):
    participant = ParticipantFactory(programme=cast.programme, unit=cast.units["South"])
    return participant, participant.issue_link_token()


def first_request_runs_after_the_draft_is_read(monkeypatch, first_request) -> None:
    """Run the first request's work between the second's draft read and its other reads."""
    read = survey_views.get_survey_session

    def read_then_let_the_first_run(request, round_id, **options):
        survey = read(request, round_id, **options)
        if request.method == "POST":
            first_request()
        return survey

    monkeypatch.setattr(survey_views, "get_survey_session", read_then_let_the_first_run)


def send_as_the_first(form: dict, participant, round) -> services.Submitted:
    return services.submit(
        round_id=round.pk, draft_id=form["draft"], key=form["key"], participant=participant
    )


@pytest.mark.django_db
def test_second_tap_reads_the_draft_before_the_first_marks_participation(
    client, cast, open_round, items, monkeypatch
):
    """The first request took the mark (step 1) after the second read the draft."""
    participant, form = personal_link_phone(client, cast, open_round, items)
    first_request_runs_after_the_draft_is_read(
        monkeypatch,
        lambda: services._mark_participation(
            round_id=open_round.pk, draft_id=form["draft"], key=form["key"], participant=participant
        ),
    )
    second = client.post(reverse("survey_review", args=[open_round.pk]), form)
    assert second.status_code == 303
    assert second.url == reverse("survey_thanks", args=[open_round.pk])
    # The first request now does its step 2 and finds the second finished the work.
    assert send_as_the_first(form, participant, open_round).created is False
    assert Response.objects.filter(round=open_round).count() == 1
    assert Participation.objects.filter(participant=participant, round=open_round).count() == 1
    assert not Draft.objects.filter(pk=form["draft"]).exists()


@pytest.mark.django_db
def test_second_tap_reads_the_draft_before_the_first_stores_the_response(
    client, cast, open_round, items, monkeypatch
):
    """The first request finished both steps after the second read the draft."""
    participant, form = personal_link_phone(client, cast, open_round, items)
    first = []
    first_request_runs_after_the_draft_is_read(
        monkeypatch, lambda: first.append(send_as_the_first(form, participant, open_round))
    )
    second = client.post(reverse("survey_review", args=[open_round.pk]), form)
    assert first[0].created is True
    assert second.status_code == 303
    assert second.url == reverse("survey_thanks", args=[open_round.pk])
    assert client.get(second.url).status_code == 200
    assert Response.objects.filter(round=open_round).count() == 1


@pytest.mark.django_db
def test_second_tap_after_the_first_step_completes_it(cast, open_round, items):
    """Service order: first takes the mark, the second stores, the first's step 2 finds it."""
    participant = ParticipantFactory(programme=cast.programme, unit=cast.units["South"])
    draft = services.new_draft(round=open_round, language="en", unit=participant.unit)
    services.save_answers(draft=draft, answers={item.pk: 4 for item in items})
    form = {"draft": draft.pk, "key": draft.idempotency_key}
    services._mark_participation(
        round_id=open_round.pk,
        draft_id=draft.pk,
        key=draft.idempotency_key,
        participant=participant,
    )
    assert send_as_the_first(form, participant, open_round).created is True  # the second tap
    assert send_as_the_first(form, participant, open_round).created is False  # the first's step 2
    assert Response.objects.filter(round=open_round).count() == 1


@pytest.mark.django_db
def test_another_phone_with_the_same_link_is_still_told_it_has_answered(
    client, cast, open_round, items
):
    """The twin rule is the submission's key: a second draft of the same person gets 409."""
    link = new_link(cast)
    participant, form = personal_link_phone(client, cast, open_round, items, link=link)
    other = Client()
    _same, other_form = personal_link_phone(other, cast, open_round, items, link=link)
    assert client.post(reverse("survey_review", args=[open_round.pk]), form).status_code == 303
    refused = other.post(reverse("survey_review", args=[open_round.pk]), other_form)
    assert refused.status_code == 409
    assert Response.objects.filter(round=open_round).count() == 1
    assert Participation.objects.filter(participant=participant, round=open_round).count() == 1
    assert Draft.objects.filter(pk=other_form["draft"]).exists()


@pytest.mark.django_db
def test_already_answered_service_error_for_another_draft(cast, open_round, items):
    participant = ParticipantFactory(programme=cast.programme, unit=cast.units["South"])
    drafts = [
        services.new_draft(round=open_round, language="en", unit=participant.unit)
        for _phone in range(2)
    ]
    for draft in drafts:
        services.save_answers(draft=draft, answers={item.pk: 4 for item in items})
    first, second = ({"draft": d.pk, "key": d.idempotency_key} for d in drafts)
    send_as_the_first(first, participant, open_round)
    with pytest.raises(services.AlreadyAnswered):
        send_as_the_first(second, participant, open_round)


@pytest.mark.django_db(transaction=True)
def test_two_taps_at_the_same_moment_both_get_the_thank_you_page(cast, open_round, items):
    """Two threads, one session cookie, one form, released together by a barrier."""
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL (row locks and separate connections)")
    url = reverse("survey_review", args=[open_round.pk])
    answers: list[int] = []
    for attempt in range(30):
        first = Client()
        participant, form = personal_link_phone(first, cast, open_round, items)
        second = Client()
        second.cookies = first.cookies  # the same browser: one session
        barrier = threading.Barrier(2)
        statuses: dict[int, int] = {}

        def tap(index: int, phone: Client, stagger: float) -> None:
            try:
                barrier.wait(timeout=10)
                threading.Event().wait(stagger)  # spread the race over its window
                statuses[index] = phone.post(url, form).status_code
            finally:
                connection.close()

        staggers = [0.0, random.uniform(0, 0.01)]
        random.shuffle(staggers)
        threads = [
            threading.Thread(target=tap, args=(index, phone, stagger))
            for index, (phone, stagger) in enumerate(zip([first, second], staggers, strict=True))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        answers.extend(statuses.values())
        assert statuses == {0: 303, 1: 303}, f"attempt {attempt}: {statuses}"
        assert Participation.objects.filter(participant=participant, round=open_round).count() == 1
        assert Response.objects.filter(round=open_round).count() == attempt + 1
    assert answers == [303] * 60
