"""Bad input on the staff forms of workspaces, the programme's settings, its logo and its
deletion (QUALITY I-1): missing and repeated fields, wrong types, 10 kB strings, NUL,
numbers in other scripts, random bytes as a file. Never a 500; every 4xx says why; no row
changes on any 4xx. HYPOTHESIS_EXAMPLES sets the examples per endpoint (100 in CI, 500 for
the benchmark profile); the histogram of statuses is printed.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programmes.models import Membership, Programme, ProgrammeLogo, Workspace, WorkspaceInvitation

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "100"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TEXTS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["", " ", "5", "0", "-1", "٣", "１", "1.5", "121", "on", "x" * 201, "y" * 10_001]
    ),
    st.text(alphabet="\x00ab@.", max_size=6),
    st.emails(),
)
MESSAGE_MARKS = ('role="alert"', 'aria-invalid="true"', "errorlist", "could not be understood")


def snapshot() -> tuple:
    return (
        list(Workspace.objects.order_by("pk").values_list()),
        list(Membership.objects.order_by("pk").values_list()),
        list(WorkspaceInvitation.objects.order_by("pk").values_list("pk", "email")),
        list(Programme.all_objects.order_by("pk").values_list()),
        list(ProgrammeLogo.objects.order_by("pk").values_list("pk", "content_type")),
    )


def form_data(draw, names: list[str]) -> dict:
    data: dict = {}
    for name in names:
        choice = draw(st.integers(0, 3))
        if choice == 0:
            continue  # missing
        data[name] = draw(TEXTS) if choice < 3 else [draw(TEXTS), draw(TEXTS)]
    if draw(st.booleans()):
        data[draw(st.sampled_from(["extra", "workspace", "pk", "deleted_at"]))] = draw(TEXTS)
    return data


def check(response, before, statuses: Counter) -> None:
    statuses[response.status_code] += 1
    assert response.status_code < 500, response.status_code
    if response.status_code >= 400:
        assert snapshot() == before, response.status_code
        page = response.content.decode(errors="replace")
        assert any(mark in page for mark in MESSAGE_MARKS), page[:300]


ENDPOINTS = {
    "workspace_invite": ["email"],
    "workspace_settings": ["name", "require_mfa_for_managers"],
    "workspace_create": ["name"],
    "programme_edit": [
        "organisation",
        "title",
        "language",
        "min_group_size",
        "team_change_threshold",
        "programme_change_threshold",
        "privacy_contact",
        "dpo_contact",
        "retention_months",
    ],
    "programme_delete": ["confirm"],
    "programme_logo": ["remove"],
}


def url_for(name: str, cast) -> str:
    if name == "workspace_create":
        return reverse(name)
    if name.startswith("workspace"):
        return reverse(name, args=[cast.programme.workspace_id])
    return reverse(name, args=[cast.programme.pk])


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_staff_forms_answer_bad_input_with_a_message_and_change_nothing(name, cast, mailoutbox):
    client = Client()
    client.force_login(cast.facilitator)
    url = url_for(name, cast)
    statuses: Counter = Counter()

    @SETTINGS
    @given(data=st.data())
    def sweep(data):
        fields = form_data(data.draw, ENDPOINTS[name])
        if name == "programme_delete" and fields.get("confirm") == cast.programme.title:
            fields.pop("confirm")  # the one right answer deletes: not bad input
        if name == "programme_logo" and data.draw(st.booleans()):
            fields.pop("remove", None)
            content = data.draw(st.binary(max_size=2000))
            fields["logo"] = SimpleUploadedFile(
                data.draw(st.sampled_from(["a.png", "b.svg"])), content
            )
        before = snapshot()
        response = client.post(url, fields)
        if response.status_code < 400:
            return  # a valid change: the forms' own tests check what it did
        check(response, before, statuses)

    sweep()
    print(f"{name}: {EXAMPLES} examples, statuses {dict(sorted(statuses.items()))}")
    assert Programme.objects.filter(pk=cast.programme.pk).exists()
