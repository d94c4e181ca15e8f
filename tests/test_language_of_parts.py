"""Text people wrote carries its programme's language when the page is in another (WCAG 3.1.2).

A Danish programme's board post, read on a phone set to Swedish or on a staff page in
English, is marked `lang="da"`, so that a screen reader reads it with a Danish voice; on a
page in Danish it carries no attribute of its own (the page's `<html lang>` says it). The
tests read the pages' HTML as a browser would and look at the tags around the texts.

How they were made sure to fail: before the templates marked these texts, every check of a
`lang="da"` here failed (the texts sat in tags without one).
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from programmes.templatetags.written_in import written_in
from seminars import evaluations
from seminars.models import Board, Evaluation, EvaluationQuestion
from surveys import services
from tests.surveys.test_survey_flow import answer_all, join, review_form

POST = "Vi hjælper hinanden, når det brænder på"


def test_the_attribute_only_when_the_languages_differ():
    with translation.override("sv"):
        assert written_in("da") == ' lang="da"'
        assert written_in("sv") == ""
        assert written_in("xx") == "" and written_in(None) == "" and written_in("") == ""
    with translation.override("da"):
        assert written_in("da") == ""


def tag_around(html: str, text: str) -> str:
    """The opening tag of the first element in the page's main part that holds just `text`."""
    at = html.index(f">{text}<", html.index("<main")) + 1
    return html[html.rindex("<", 0, at) : html.index(">", html.rindex("<", 0, at)) + 1]


@pytest.fixture
def danish_board(cast):
    programme = cast.programme
    programme.language = "da"
    programme.save(update_fields=["language"])
    board = Board.objects.get(activity__seminar__programme=programme, kind="good_examples")
    Board.objects.filter(pk=board.pk).update(phase="collect", question="Hvad virker hos os?")
    board.refresh_from_db()
    return board


def phone_in(language: str, board) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    joined = client.post(reverse("join"), {"code": board.activity.seminar.room_code})
    assert joined.status_code == 302
    return client


@pytest.mark.django_db
def test_a_swedish_phone_reads_a_danish_board_marked_danish(danish_board):
    writer = phone_in("da", danish_board)
    sent = writer.post(
        reverse("board_post", args=[danish_board.pk]), {"text": POST, "key": str(uuid.uuid4())}
    )
    assert sent.status_code == 302
    Board.objects.filter(pk=danish_board.pk).update(phase="vote", voting=True)
    html = phone_in("sv", danish_board).get(reverse("board_phone", args=[danish_board.pk]))
    page = html.content.decode()
    assert '<html lang="sv">' in page
    assert 'lang="da"' in tag_around(page, "Hvad virker hos os?")
    assert 'lang="da"' in tag_around(page, POST)
    assert 'lang="da"' in tag_around(page, danish_board.activity.title)

    danish = writer.get(reverse("board_phone", args=[danish_board.pk])).content.decode()
    assert '<html lang="da">' in danish
    assert "lang=" not in tag_around(danish, "Hvad virker hos os?")
    assert "lang=" not in tag_around(danish, POST)


@pytest.mark.django_db
def test_an_english_staff_page_marks_the_danish_posts(danish_board, cast):
    writer = phone_in("da", danish_board)
    writer.post(
        reverse("board_post", args=[danish_board.pk]), {"text": POST, "key": str(uuid.uuid4())}
    )
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(cast.facilitator)
    seminar = danish_board.activity.seminar
    url = reverse("board_control", args=[cast.programme.pk, seminar.pk, danish_board.activity.pk])
    page = staff.get(url).content.decode()
    assert '<html lang="en">' in page
    assert 'lang="da"' in tag_around(page, POST)
    # Inside the hidden label of the merge box too: "Choose … for merging".
    assert f'Choose <span lang="da">{POST}</span> for merging' in page
    live = staff.get(url, headers={"HX-Request": "true"}).content.decode()  # the 3 s poll
    assert live.lstrip().startswith('<div id="board"')
    assert f'<span lang="da">{POST}</span>' in live


@pytest.mark.django_db
def test_the_survey_marks_unit_names_and_the_rounds_title(cast, open_round):
    cast.programme.language = "da"
    cast.programme.save(update_fields=["language"])
    phone = Client(HTTP_ACCEPT_LANGUAGE="sv")
    joined = phone.get(f"/j/{services.room_code(open_round)}/")
    page = phone.get(joined.url).content.decode()
    assert '<html lang="sv">' in page
    labels = re.findall(r'<span lang="da">([^<]+)</span></label>', page)
    assert set(labels) >= {"North", "North Day", "South"}
    assert 'lang="da"' in tag_around(page, open_round.title)


@pytest.mark.django_db
def test_the_facilitators_evaluation_questions_are_marked_on_a_swedish_phone(cast):
    cast.programme.language = "da"
    cast.programme.save(update_fields=["language"])
    evaluation = Evaluation.objects.get(
        activity__seminar__programme=cast.programme, activity__seminar__number=1
    )
    Evaluation.objects.filter(pk=evaluation.pk).update(is_open=True)
    first = evaluations.asked_in(evaluation)[0]
    EvaluationQuestion.objects.filter(pk=first.pk).update(text="Hvor nyttigt var seminaret?")
    for language, marked in (("sv", True), ("da", False)):
        phone = Client(HTTP_ACCEPT_LANGUAGE=language)
        joined = phone.post(reverse("join"), {"code": evaluation.activity.seminar.room_code})
        page = phone.get(joined.url).content.decode()
        assert f'<html lang="{language}">' in page
        assert ('<span lang="da">Hvor nyttigt var seminaret?</span>' in page) is marked
        assert "Hvor nyttigt var seminaret?" in page


@pytest.mark.django_db
def test_a_title_inside_a_translated_sentence_gets_a_span_of_its_own(cast, open_round, items):
    """The thank-you page names the next seminar inside a sentence of the page's language."""
    cast.programme.language = "da"
    cast.programme.save(update_fields=["language"])
    later = cast.programme.seminars.filter(number__gt=open_round.seminar.number).first()
    later.title = "Tillid i hverdagen"
    later.save(update_fields=["title"])
    phone = Client()
    join(phone, open_round)
    answer_all(phone, open_round, cast.units["South"], items, language="sv")
    sent = phone.post(
        reverse("survey_review", args=[open_round.pk]), review_form(phone, open_round)
    )
    page = phone.get(sent.url).content.decode()
    assert '<html lang="sv">' in page
    assert 'På nästa seminarium, ”<span lang="da">Tillid i hverdagen</span>”' in page


@pytest.mark.django_db
def test_a_seminars_goals_on_an_english_staff_page(cast):
    cast.programme.language = "da"
    cast.programme.save(update_fields=["language"])
    seminar = cast.programme.seminars.get(number=1)
    seminar.goals = "Vi finder det, der virker"
    seminar.save(update_fields=["goals"])
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(cast.facilitator)
    page = staff.get(reverse("seminar_detail", args=[cast.programme.pk, seminar.pk]))
    html = page.content.decode()
    assert '<html lang="en">' in html
    assert 'lang="da"' in tag_around(html, "Vi finder det, der virker")
    assert 'lang="da"' in tag_around(html, seminar.title)
