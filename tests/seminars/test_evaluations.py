"""Seminar evaluations: optional questions on phones, figures from k in steps of k, comments
only for the facilitator and only from ten, themes for everyone else."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from seminars import evaluations
from seminars.models import (
    Evaluation,
    EvaluationDone,
    EvaluationQuestion,
    EvaluationResponse,
    Seat,
)


@pytest.fixture
def evaluation(cast):
    evaluation = Evaluation.objects.get(
        activity__seminar__programme=cast.programme, activity__seminar__number=1
    )
    Evaluation.objects.filter(pk=evaluation.pk).update(is_open=True)
    evaluation.refresh_from_db()
    return evaluation


def questions(evaluation) -> dict[str, EvaluationQuestion]:
    return {q.text: q for q in evaluations.asked_in(evaluation)}


def phone(evaluation) -> Client:
    client = Client()
    response = client.post(reverse("join"), {"code": evaluation.activity.seminar.room_code})
    assert response.url == reverse("evaluation_phone", args=[evaluation.pk])
    return client


def answer(client: Client, evaluation, *, useful=None, worked="", change="", key=None):
    asked = questions(evaluation)
    data = {"key": str(key or uuid.uuid4())}
    if useful is not None:
        data[f"q{asked['How useful was the seminar for you?'].pk}"] = str(useful)
    data[f"q{asked['What worked well?'].pk}"] = worked
    data[f"q{asked['What should we change?'].pk}"] = change
    return client.post(reverse("evaluation_submit", args=[evaluation.pk]), data)


def staff(cast) -> Client:
    client = Client()
    client.force_login(cast.facilitator)
    return client


def control_url(evaluation) -> str:
    activity = evaluation.activity
    return reverse(
        "evaluation_control",
        args=[activity.seminar.programme_id, activity.seminar_id, activity.pk],
    )


@pytest.mark.django_db
def test_the_standard_questions_and_the_confidence_question_first_and_last(cast, evaluation):
    texts = list(questions(evaluation))
    assert texts[0] == "How useful was the seminar for you?"
    assert "How confident are you that we will act on this?" in texts  # seminar 1: first
    middle = Evaluation.objects.get(
        activity__seminar__programme=cast.programme, activity__seminar__number=2
    )
    assert "How confident are you that we will act on this?" not in questions(middle)


@pytest.mark.django_db
def test_an_evaluation_is_stored_once_and_kept_apart_from_the_seat(evaluation):
    client = phone(evaluation)
    key = uuid.uuid4()
    for _tap in range(2):
        assert answer(client, evaluation, useful=4, worked="The cases", key=key).status_code == 302
    assert EvaluationResponse.objects.count() == 1
    assert EvaluationDone.objects.count() == 1
    fields = {f.name for f in EvaluationResponse._meta.get_fields()}
    assert not fields & {"seat", "created_at", "participant"}
    again = answer(client, evaluation, useful=1)  # another tab, another key
    assert again.status_code == 409
    assert "already answered" in again.content.decode()
    assert EvaluationResponse.objects.count() == 1
    page = client.get(reverse("evaluation_phone", args=[evaluation.pk])).content.decode()
    assert "your answers are saved anonymously" in page


@pytest.mark.django_db
@pytest.mark.parametrize("useful", ["6", "0", "x", "4.5", "٤"])
def test_bad_answers_get_a_message_and_store_nothing(evaluation, useful):
    client = phone(evaluation)
    asked = questions(evaluation)
    data = {"key": str(uuid.uuid4()), f"q{asked['How useful was the seminar for you?'].pk}": useful}
    response = client.post(reverse("evaluation_submit", args=[evaluation.pk]), data)
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert not EvaluationResponse.objects.exists()
    long = answer(client, evaluation, worked="x" * 2001)
    assert long.status_code == 422
    assert not EvaluationResponse.objects.exists()


@pytest.mark.django_db
def test_a_closed_evaluation_refuses_answers(evaluation):
    client = phone(evaluation)
    Evaluation.objects.filter(pk=evaluation.pk).update(is_open=False)
    response = answer(client, evaluation, useful=5)
    assert response.status_code == 409
    assert "has closed" in response.content.decode()
    assert not EvaluationResponse.objects.exists()


@pytest.mark.django_db
def test_figures_from_k_answers_in_steps_of_k_while_open(cast, evaluation):
    k = cast.programme.min_group_size
    for n in range(k - 1):
        answer(phone(evaluation), evaluation, useful=5)
    useful = questions(evaluation)["How useful was the seminar for you?"]

    def figure():
        found = evaluations.results(evaluation, k=k, comments=False).scales
        return next(s for s in found if s.question == useful)

    assert figure().mean is None
    answer(phone(evaluation), evaluation, useful=1)
    assert (figure().n, figure().mean) == (k, (5 * (k - 1) + 1) / k)
    answer(phone(evaluation), evaluation, useful=1)  # k + 1: the figure does not move
    assert figure().n == k
    Evaluation.objects.filter(pk=evaluation.pk).update(is_open=False)
    evaluation.refresh_from_db()
    assert figure().n == k + 1  # closed: every answer counts


@pytest.mark.django_db
def test_comments_reach_the_facilitator_only_from_ten_and_managers_never(cast, evaluation):
    for n in range(9):
        answer(phone(evaluation), evaluation, worked=f"Comment number {n}")
    page = staff(cast).get(control_url(evaluation)).content.decode()
    assert "Comment number" not in page
    assert "9 comments so far: comments are shown from 10" in page
    answer(phone(evaluation), evaluation, worked="<b>The tenth</b>")
    page = staff(cast).get(control_url(evaluation)).content.decode()
    found = re.findall(r"Comment number \d", page)
    assert sorted(found) == [f"Comment number {n}" for n in range(9)]
    assert "&lt;b&gt;The tenth&lt;/b&gt;" in page
    manager = Client()
    manager.force_login(cast.manager)
    seminar_page = manager.get(
        reverse(
            "seminar_detail", args=[cast.programme.pk, cast.programme.seminars.get(number=1).pk]
        )
    ).content.decode()
    assert "Comment number" not in seminar_page and "The tenth" not in seminar_page
    assert "10 have answered" in seminar_page


@pytest.mark.django_db
def test_the_facilitators_themes_reach_managers(cast, evaluation):
    response = staff(cast).post(
        control_url(evaluation), {"themes": "Too little time for the cases", "is_open": ""}
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert not evaluation.is_open
    for _n in range(cast.programme.min_group_size):
        EvaluationResponse.objects.create(evaluation=evaluation, key=uuid.uuid4())
    manager = Client()
    manager.force_login(cast.manager)
    page = manager.get(
        reverse(
            "seminar_detail", args=[cast.programme.pk, cast.programme.seminars.get(number=1).pk]
        )
    ).content.decode()
    assert "Too little time for the cases" in page


@pytest.mark.django_db
def test_the_facilitator_edits_the_questions(cast, evaluation):
    client = staff(cast)
    url = reverse("evaluation_questions", args=[cast.programme.pk])
    page = client.get(url)
    assert page.status_code == 200
    existing = list(cast.programme.evaluation_questions.all())
    data = {
        "form-TOTAL_FORMS": str(len(existing) + 1),
        "form-INITIAL_FORMS": str(len(existing)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "10",
    }
    for n, question in enumerate(existing):
        data.update(
            {
                f"form-{n}-id": str(question.pk),
                f"form-{n}-text": question.text,
                f"form-{n}-kind": question.kind,
                f"form-{n}-asked": question.asked,
            }
        )
    data["form-0-text"] = "Was it worth your time?"
    data["form-1-DELETE"] = "on"
    n = len(existing)
    data.update(
        {
            f"form-{n}-text": "What will you try?",
            f"form-{n}-kind": "text",
            f"form-{n}-asked": "always",
        }
    )
    assert client.post(url, data).status_code == 302
    texts = list(cast.programme.evaluation_questions.values_list("text", flat=True))
    assert "Was it worth your time?" in texts and "What will you try?" in texts
    assert "What worked well?" not in texts
    data["form-0-text"] = ""
    assert client.post(url, data).status_code == 422


@pytest.mark.django_db
def test_a_kiosk_starts_afresh_after_an_evaluation(evaluation):
    tablet = Client()
    tablet.get(reverse("kiosk_start", args=[evaluation.activity.seminar.room_code]))
    response = answer(tablet, evaluation, useful=3)
    assert response.url == reverse("kiosk_next")
    tablet.get(reverse("join_code", args=[evaluation.activity.seminar.room_code]))
    assert answer(tablet, evaluation, useful=4).status_code == 302
    assert EvaluationResponse.objects.count() == 2
    assert Seat.objects.count() == 2
