"""Managers never see names (QUALITY AC-2; DESIGN.md "What each audience sees"): every page
a manager may read, its htmx parts, the exports and the PDF report, opened by a manager of
the whole programme, a manager limited to a unit and a client co-facilitator whose workspace
keeps names from them, hold 0 occurrences of the seeded participant names, e-mail addresses,
link tokens, action owners and personal-plan texts. A workspace facilitator's pages are read
too, to show that the markers are there to be found.
"""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from actionplans import personal
from actionplans.models import Action, TeamPlan
from programmes import services
from programmes.models import ClientRole, Participant
from tests.factories import ProgrammeManagerFactory, UserFactory, closed_round
from tests.test_access_matrix import PROGRAMME_ROUTES, kwargs_for

NAMES = ["Zebulon Quaxmire", "Ingeborg Flintholm", "Vilhelmina Ørnstrup"]
EMAILS = ["zebulon.quaxmire@skovby.example", "ingeborg.f@skovby.example"]
OWNER = "Theobald Krusenstjerna"
PLAN_TEXT = "Plansecret Walk to work every Tuesday"


@pytest.fixture
def seeded(cast):
    programme = cast.programme
    north_day = cast.units["North Day"]
    people = [
        Participant.objects.create(programme=programme, unit=north_day, name=name, email=email)
        for name, email in zip(NAMES, [*EMAILS, ""], strict=True)
    ]
    tokens = [
        link.path.rstrip("/").rsplit("/", 1)[-1]
        for link in services.issue_links(participants=people)
    ]
    closed_round(programme, "Baseline", {north_day: (4, 6), cast.units["South"]: (3, 6)})
    plan = TeamPlan.objects.create(programme=programme, title="Fewer interruptions")
    Action.objects.create(plan=plan, text="Quiet hour", owner=OWNER)
    for _ in range(programme.min_group_size):  # enough plans in one unit for its count to show
        personal.write_plan(
            programme=programme,
            unit=north_day,
            fields={"goal": PLAN_TEXT, "first_steps": PLAN_TEXT, "support": "", "check": ""},
        )
    cofacilitator = ProgrammeManagerFactory(
        programme=programme, user=UserFactory(username="cofac"), role=ClientRole.COFACILITATOR
    ).user
    return {"tokens": tokens, "cofacilitator": cofacilitator}


def texts_of(response) -> str:
    """What a person reads: the page, or the text of a PDF, CSV or spreadsheet."""
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if kind.startswith("application/pdf"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    return body.decode("utf-8", errors="replace")


def markers(seeded) -> list[str]:
    return [*NAMES, *EMAILS, OWNER, PLAN_TEXT, *seeded["tokens"]]


def readable_urls(cast) -> list[str]:
    urls = []
    for name, (methods, manager_may_read) in sorted(PROGRAMME_ROUTES.items()):
        if manager_may_read and "GET" in methods:
            urls.append(reverse(name, kwargs=kwargs_for(name, cast)))
    for fmt in ("csv", "xlsx"):
        urls.append(reverse("results_export", args=[cast.programme.pk, fmt]))
    urls.append(reverse("report_pdf", args=[cast.programme.pk]) + "?version=publication")
    return sorted(set(urls))


@pytest.mark.django_db
def test_no_manager_page_export_or_report_names_anyone(cast, seeded):
    urls = readable_urls(cast)
    found = {}
    read = 0
    for who in (cast.manager, cast.limited_manager, seeded["cofacilitator"]):
        client = Client()
        client.force_login(who)
        for url in urls:
            page = not any(part in url for part in (".pdf", "/export"))
            for headers in ({}, {"HTTP_HX_REQUEST": "true"}) if page else ({},):
                response = client.get(url, **headers)
                # A limited manager may not have the version for publication (403).
                assert response.status_code in (200, 403), (who.username, url)
                text = texts_of(response)
                read += 1
                for marker in markers(seeded):
                    if marker in text:
                        found.setdefault(marker, []).append((who.username, url))
    assert found == {}
    print(f"{read} pages, exports and reports read by 3 roles: 0 names, e-mails, tokens")


@pytest.mark.django_db
def test_the_markers_can_be_found_where_names_belong(cast, seeded):
    """The sweep above would see a leak: the facilitator's participant list and plan page
    carry the names and the owner, and the report's text is read back."""
    client = Client()
    client.force_login(cast.facilitator)
    participants = texts_of(client.get(reverse("participants", args=[cast.programme.pk])))
    assert NAMES[0] in participants and EMAILS[0] in participants
    plan = TeamPlan.objects.get(programme=cast.programme)
    page = texts_of(client.get(reverse("plan_detail", args=[cast.programme.pk, plan.pk])))
    assert OWNER in page
    report = texts_of(client.get(reverse("report_pdf", args=[cast.programme.pk])))
    assert cast.programme.title in report
