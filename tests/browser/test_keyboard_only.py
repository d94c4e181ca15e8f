"""The room's phone pages by keyboard only (QUALITY X-2): Tab, Shift+Tab, arrows, Space, Enter.

The survey has its own keyboard test (test_survey_phone.py). Here a phone types the room
code, writes two posts on a board and spends its dots with the buttons, answers an
evaluation with the arrow keys and writes a comment, then joins a group and writes its
notes; a personal plan is written and opened again on another phone with its code typed; and
a team's action is added and changed on the room's plan page: no click, no fill(), no
check(). With JavaScript and without; Danish, as a phone in the room reads it.
"""

from __future__ import annotations

import re

import pytest
from django.db.models import F
from playwright.sync_api import Page, expect

from actionplans import services as plan_services
from actionplans.access import get_planning_run
from actionplans.models import PersonalPlan, PlanningRun
from seminars import evaluations
from seminars.models import (
    Board,
    Evaluation,
    EvaluationAnswer,
    EvaluationQuestion,
    GroupWork,
    Post,
    Vote,
)
from tests.browser.support import build_programme
from tests.browser.test_survey_phone import MAX_TABS, PHONE, arrow_to, press_enter, tab_to

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

POSTS = ["Vi hjælper hinanden, når en tur trækker ud", "Morgenmødet slutter med noget godt"]
COMMENT = "Godt at arbejde ved bordene"
NOTES = "Vi prøver en fast makker på hver tur"
GOAL = "Say good morning to each colleague on my shift"


def type_into(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def choose_by_arrows(page: Page, name: str, value: str) -> None:
    """Tab into a radio group (focus lands on its first radio) and arrow to the value."""
    tab_to(page, f"input[type=radio][name='{name}']")
    arrow_to(page, value)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_board_an_evaluation_and_group_notes_by_keyboard_only(
    live_server, open_context, cast, javascript
):
    seminar = cast.programme.seminars.get(number=1)
    board = Board.objects.filter(activity__seminar=seminar).order_by("activity__position").first()
    Board.objects.filter(pk=board.pk).update(
        phase=Board.Phase.COLLECT, posts_at_once=True, review_first=False, version=F("version") + 1
    )
    page = open_context(language="da", **PHONE, javascript=javascript).new_page()

    # The code from the screen, typed.
    page.goto("/j/")
    type_into(page, "input[name=code]", seminar.room_code)
    assert press_enter(page).status == 200
    assert page.url.endswith(f"/b/{board.pk}/"), page.url

    # Two posts: type, Tab to Send, Enter (a column, where the board asks for one, by arrows).
    for text in POSTS:
        type_into(page, "textarea[name=text]", text)
        if page.locator("input[type=radio][name=column]").count():
            first = page.locator("input[type=radio][name=column]").first.get_attribute("value")
            choose_by_arrows(page, "column", first)
        tab_to(page, "form.post-form button[type=submit]")
        assert press_enter(page).status == 200
    expect(page.locator(".own-posts li")).to_have_count(2)
    assert set(Post.objects.filter(board=board).values_list("text", flat=True)) == set(POSTS)

    # The facilitator starts the vote; the phone updates its page by the link and spends
    # its three dots: two on the first item, one on the second, then takes one back.
    Board.objects.filter(pk=board.pk).update(
        phase=Board.Phase.VOTE,
        voting=True,
        dots_per_seat=3,
        dots_per_item=2,
        version=F("version") + 1,
    )
    tab_to(page, "a.refresh-link")
    assert press_enter(page).status == 200
    items = page.locator("li.vote-item")
    expect(items).to_have_count(2)
    first, second = (items.nth(n).get_attribute("id") for n in range(2))
    for item in (first, first, second):
        tab_to(page, f"#{item} button[name=set]:not(.secondary)")
        assert press_enter(page).status == 200
    tab_to(page, f"#{first} button.secondary")
    assert press_enter(page).status == 200
    expect(page.locator(".dots-left")).to_contain_text("1")
    assert sorted(Vote.objects.filter(group__board=board).values_list("dots", flat=True)) == [1, 1]

    # The evaluation opens as well: the room's page lists both; the phone Tabs to it.
    evaluation = Evaluation.objects.get(activity__seminar=seminar)
    Evaluation.objects.filter(pk=evaluation.pk).update(is_open=True)
    page.goto("/j/")
    type_into(page, "input[name=code]", seminar.room_code)
    assert press_enter(page).status == 200
    tab_to(page, f"a[href$='/e/{evaluation.pk}/']")
    assert press_enter(page).status == 200
    assert re.search(rf"/e/{evaluation.pk}/$", page.url), page.url
    asked = evaluations.asked_in(evaluation)
    scales = [q for q in asked if q.kind == EvaluationQuestion.Kind.SCALE]
    texts = [q for q in asked if q.kind == EvaluationQuestion.Kind.TEXT]
    assert scales and texts
    for question in scales:
        choose_by_arrows(page, f"q{question.pk}", "4")
    type_into(page, f"textarea[name='q{texts[0].pk}']", COMMENT)
    tab_to(page, "form.evaluation-form button[type=submit]")
    assert press_enter(page).status == 200
    answers = EvaluationAnswer.objects.filter(response__evaluation=evaluation)
    assert sorted(answers.exclude(value=None).values_list("value", flat=True)) == [4] * len(scales)
    assert list(answers.exclude(text="").values_list("text", flat=True)) == [COMMENT]

    # Group work opens too: the phone picks its group by arrows and writes the notes.
    work = GroupWork.objects.get(activity__seminar=seminar)
    GroupWork.objects.filter(pk=work.pk).update(is_open=True)
    tables = [work.groups.create(name=name) for name in ("Bord 1", "Bord 2")]
    page.goto("/j/")
    type_into(page, "input[name=code]", seminar.room_code)
    assert press_enter(page).status == 200
    tab_to(page, f"a[href$='/g/{work.pk}/']")
    assert press_enter(page).status == 200
    choose_by_arrows(page, "group", str(tables[1].pk))
    tab_to(page, "button[type=submit].wide")
    assert press_enter(page).status == 200
    type_into(page, "form.notes-form textarea", NOTES)
    tab_to(page, "form.notes-form button[type=submit]")
    assert press_enter(page).status == 200
    tables[1].refresh_from_db()
    assert NOTES in tables[1].notes.values()
    assert tables[0].notes == {} or not any(tables[0].notes.values())


def tab_to_text(page: Page, text: str) -> None:
    """Tab to the button or link whose text is this (CSS cannot select by text)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("() => (document.activeElement.innerText || '').trim()") == text:
            return
    raise AssertionError(f"Tab never reached {text!r} on {page.url}")


def tab_to_label(page: Page, label: str) -> None:
    tab_to(page, f"#{page.get_by_label(label).get_attribute('id')}")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_personal_plan_written_and_recovered_by_keyboard_only(
    live_server, open_context, javascript
):
    setup = build_programme(language="en")
    owner = open_context(**PHONE, javascript=javascript).new_page()
    owner.goto(f"/p/{setup.participant_token}/")  # the personal link, as scanned
    owner.goto("/plan/")
    tab_to_text(owner, "Start my plan")
    assert press_enter(owner).status == 200
    tab_to_label(owner, "My goal")
    owner.keyboard.type(GOAL)
    tab_to_label(owner, "My first steps")
    owner.keyboard.type("Start on Monday")
    tab_to_text(owner, "Save my plan and show my code")
    assert press_enter(owner).status == 200
    groups = owner.locator(".recovery-code code").all_inner_texts()
    assert len(groups) == 8
    tab_to_text(owner, "I have written down the code: go to my plan")
    assert press_enter(owner).status == 200
    expect(owner.get_by_text(GOAL)).to_be_visible()

    # Another phone opens it with the code, typed.
    second = open_context(**PHONE, javascript=javascript).new_page()
    second.goto("/plan/")
    tab_to_text(second, "Open my plan with my code")
    assert press_enter(second).status == 200
    tab_to_label(second, "Your recovery code")
    second.keyboard.type(" ".join(groups))
    tab_to_text(second, "Open my plan")
    assert press_enter(second).status == 200
    expect(second.get_by_text(GOAL)).to_be_visible()
    assert PersonalPlan.objects.count() == 1


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_team_plan_written_by_keyboard_only(live_server, open_context, cast, javascript):
    seminar = cast.programme.seminars.get(number=2)
    plan = plan_services.create_plan(
        request=None,
        programme=cast.programme,
        title="Bedre overlap",
        unit=cast.units["South"],
        seminar=seminar,
    )
    run = get_planning_run(seminar.activities.get(kind="planning"))
    PlanningRun.objects.filter(pk=run.pk).update(is_open=True)
    page = open_context(language="da", **PHONE, javascript=javascript).new_page()
    page.goto("/j/")
    type_into(page, "input[name=code]", seminar.room_code)
    assert press_enter(page).status == 200
    assert page.url.endswith(f"/t/{run.pk}/"), page.url

    type_into(page, f"#new-text-{plan.pk}", "Fast overlap kl. 15")
    type_into(page, f"#new-owner-{plan.pk}", "Ali")
    tab_to(page, f"#plan-{plan.pk} form.new-action button[type=submit]")
    assert press_enter(page).status == 200
    action = plan.actions.get()
    assert (action.text, action.owner) == ("Fast overlap kl. 15", "Ali")

    # "Change" opens by Enter on its summary; the owner is replaced and saved.
    tab_to(page, f"#action-{action.pk} summary")
    page.keyboard.press("Enter")
    tab_to(page, f"#owner-{action.pk}")
    page.keyboard.press("Control+A")
    page.keyboard.type("Bo")
    tab_to(page, f"#action-{action.pk} form button[type=submit]")
    assert press_enter(page).status == 200
    action.refresh_from_db()
    assert action.owner == "Bo"
