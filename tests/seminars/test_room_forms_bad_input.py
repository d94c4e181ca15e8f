"""Bad input on the room's other phone forms: group notes, evaluations and logbooks.

For each endpoint, 500 hypothesis examples of what a broken phone or a forger may send
(missing or repeated fields, wrong types, 10 kB and 2 kB + 1 strings, NUL, numbers in other
scripts, forged keys, replays): never a 500, every 4xx says why, and no row changes on any
4xx. The histogram of statuses is printed.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seminars.models import (
    Evaluation,
    EvaluationAnswer,
    EvaluationResponse,
    GroupWork,
    LogbookEntry,
    WorkGroup,
)
from seminars.services import issue_logbook_link

EXAMPLES = 500
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TEXTS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "5", "0", "6", "-1", "٣", "１", "1.5", "x" * 2001, "y" * 10_001]),
    st.text(alphabet="\x00ab", max_size=5),
)
KEYS = st.one_of(st.uuids().map(str), st.sampled_from(["", "not-a-key", "00000000-0000"]))
MESSAGE_MARKS = ('role="alert"', "could not be understood", "not in this group")


def snapshot() -> tuple:
    return (
        list(WorkGroup.objects.order_by("pk").values_list("pk", "notes", "notes_version")),
        EvaluationResponse.objects.count(),
        EvaluationAnswer.objects.count(),
        LogbookEntry.objects.count(),
    )


def says_why(response) -> bool:
    page = response.content.decode(errors="replace")
    return any(mark in page for mark in MESSAGE_MARKS)


def check(response, before, statuses: Counter) -> None:
    statuses[response.status_code] += 1
    assert response.status_code < 500, response.status_code
    if response.status_code >= 400:
        assert snapshot() == before, response.status_code
        assert says_why(response), response.content[:300]


def form_data(draw, names: list[str]) -> dict:
    data: dict = {}
    for name in names:
        choice = draw(st.integers(0, 3))
        if choice == 0:
            continue  # missing
        data[name] = draw(TEXTS) if choice < 3 else [draw(TEXTS), draw(TEXTS)]
    if draw(st.booleans()):
        data[draw(st.sampled_from(["extra", "h9", "q0", "group"]))] = draw(TEXTS)
    return data


@pytest.fixture
def room(cast):
    seminar = cast.programme.seminars.get(number=1)
    work = GroupWork.objects.get(activity__seminar=seminar)
    GroupWork.objects.filter(pk=work.pk).update(is_open=True)
    table = WorkGroup.objects.create(work=work, name="Table 1")
    WorkGroup.objects.create(work=work, name="Table 2")
    evaluation = Evaluation.objects.get(activity__seminar=seminar)
    Evaluation.objects.filter(pk=evaluation.pk).update(is_open=True)
    phone = Client()
    phone.post(reverse("join"), {"code": seminar.room_code})
    phone.post(reverse("group_join", args=[work.pk]), {"group": table.pk})
    return work, evaluation, table, phone


@pytest.mark.django_db
def test_group_notes_bad_input(room):
    work, _evaluation, _table, phone = room
    statuses: Counter = Counter()
    url = reverse("group_notes", args=[work.pk])

    @SETTINGS
    @given(st.data())
    def run(data):
        body = form_data(data.draw, ["version", "h0", "h1"])
        before = snapshot()
        check(phone.post(url, body), before, statuses)

    run()
    print(f"group notes: {sum(statuses.values())} examples, statuses {dict(statuses)}")
    assert sum(statuses.values()) >= EXAMPLES


@pytest.mark.django_db
def test_evaluation_bad_input(room):
    _work, evaluation, _table, phone = room
    statuses: Counter = Counter()
    url = reverse("evaluation_submit", args=[evaluation.pk])
    from seminars.evaluations import asked_in

    names = ["key"] + [f"q{q.pk}" for q in asked_in(evaluation)]

    @SETTINGS
    @given(st.data())
    def run(data):
        body = form_data(data.draw, names)
        if data.draw(st.booleans()):
            body["key"] = data.draw(KEYS)
        before = snapshot()
        check(phone.post(url, body), before, statuses)

    run()
    print(f"evaluation: {sum(statuses.values())} examples, statuses {dict(statuses)}")
    assert sum(statuses.values()) >= EXAMPLES
    assert EvaluationResponse.objects.count() <= 1  # one seat answers once


@pytest.mark.django_db
def test_logbook_bad_input(room, rf, cast):
    _work, _evaluation, table, _phone = room
    request = rf.post("/")
    request.user = cast.facilitator
    url = reverse("logbook", args=[issue_logbook_link(request=request, group=table)])
    client = Client()
    statuses: Counter = Counter()
    keys: set[str] = set()

    @SETTINGS
    @given(st.data())
    def run(data):
        body = form_data(data.draw, ["key", "tried", "happened"])
        if data.draw(st.booleans()):
            body["key"] = data.draw(KEYS)
        before = snapshot()
        response = client.post(url, body)
        check(response, before, statuses)
        if response.status_code == 302:
            keys.add(str(body["key"]) if not isinstance(body["key"], list) else body["key"][-1])
            assert LogbookEntry.objects.count() <= len(keys)  # one entry per key at most

    run()
    print(f"logbook: {sum(statuses.values())} examples, statuses {dict(statuses)}")
    assert sum(statuses.values()) >= EXAMPLES
