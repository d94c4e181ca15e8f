"""The words staff read: the audit log in the reader's language, and the standard instrument's
name. Codes stay in the database; the page shows sentences."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from programmes import audit
from programmes.models import AuditEntry
from surveys.item_bank import STANDARD_NAME, STANDARD_V1
from surveys.models import Instrument

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ["programmes", "seminars", "surveys", "actionplans", "config"]

# Codes built at run time (f-strings), which a scan of string literals cannot see.
DYNAMIC_ACTIONS = {
    "instrument.item_add",
    "instrument.item_edit",
    "instrument.item_delete",
    "results.export_csv",
    "results.export_xlsx",
}


def audit_table(client, programme) -> str:
    page = client.get(reverse("audit_log", args=[programme.pk]), HTTP_ACCEPT_LANGUAGE="da")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="da"' in html
    return html[html.index("<tbody>") : html.index("</tbody>")]


def staff_request(user):
    request = RequestFactory().post("/")
    request.user = user
    return request


def _literals(node: ast.expr, codes: set[str], prefixes: set[str]) -> None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        codes.add(node.value)
    elif isinstance(node, ast.JoinedStr):
        first = node.values[0] if node.values else None
        if isinstance(first, ast.Constant):
            prefixes.add(first.value)
    elif isinstance(node, ast.IfExp):
        _literals(node.body, codes, prefixes)
        _literals(node.orelse, codes, prefixes)


def source_action_codes() -> tuple[set[str], set[str]]:
    """The literal action codes, and the static prefixes of built ones, of every call with an
    `action=` keyword in the apps' code."""
    codes: set[str] = set()
    prefixes: set[str] = set()
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    for keyword in node.keywords:
                        if keyword.arg == "action":
                            _literals(keyword.value, codes, prefixes)
    # argparse's action="store_true" and the like are not audit codes
    return {c for c in codes if re.fullmatch(r"[a-z_]+\.[a-z_]+", c)}, prefixes


def test_every_action_code_in_the_source_has_a_label():
    codes, prefixes = source_action_codes()
    assert "round.create" in codes  # the scan finds the calls
    assert "programme.restore" in codes  # both branches of a conditional
    missing = sorted(codes - audit.ACTIONS.keys())
    assert missing == [], f"add labels to programmes.audit.ACTIONS: {missing}"
    for prefix in prefixes:
        assert any(code.startswith(prefix) for code in audit.ACTIONS), prefix
    assert audit.ACTIONS.keys() >= DYNAMIC_ACTIONS


def test_every_label_is_translated_into_danish_and_swedish():
    english = {code: str(label) for code, label in audit.ACTIONS.items()}
    for language in ("da", "sv"):
        with translation.override(language):
            same = [code for code, label in audit.ACTIONS.items() if str(label) == english[code]]
            assert same == [], (language, same)
            assert audit.role_label("manager") != "Manager"


@pytest.mark.django_db
def test_audit_log_in_danish_shows_sentences_not_codes(client, cast):
    request = staff_request(cast.facilitator)
    programme = cast.programme
    unit = cast.units["South"]
    audit.record(request, action="round.close", programme=programme)
    audit.record(request, action="unit.delete", obj=unit, programme=programme)
    audit.record(
        request,
        action="participant.issue_links",
        programme=programme,
        counts={"links": 7, "emailed": 0},
    )
    audit.record(
        request, action="participant.import", programme=programme, counts={"participants": 1}
    )
    audit.record(
        request,
        action="programme.edit",
        obj=programme,
        programme=programme,
        fields=["title", "min_group_size"],
    )
    audit.record(
        staff_request(cast.manager),
        action="results.export_csv",
        programme=programme,
        role="manager",
    )
    client.force_login(cast.facilitator)
    table = audit_table(client, programme)
    for code in [
        "round.close",
        "unit.delete",
        "participant.issue_links",
        "participant.import",
        "programme.edit",
        "results.export_csv",
    ]:
        assert code not in table
    assert ">manager<" not in table
    assert "e-mailed" not in table
    for sentence in [
        "Målerunde afsluttet",
        f'Enhed slettet <span class="muted">(nr. {unit.pk})</span>',
        "Personlige links oprettet",
        "7 personlige links oprettet. 0 sendt på e-mail.",
        "Deltagerliste importeret",
        "1 deltager importeret.",
        "Forløb ændret",
        "Ændrede felter: titel, mindste gruppestørrelse.",
        "Resultater eksporteret som CSV-fil",
        "<td>Leder</td>",
        "<td>Facilitator</td>",
    ]:
        assert sentence in table


@pytest.mark.django_db
def test_views_write_numbers_and_field_names_never_free_text(client, cast):
    client.force_login(cast.facilitator)
    programme = cast.programme
    unit = cast.units["South"]
    unit.participants.all().delete()
    client.post(reverse("unit_delete", args=[programme.pk, unit.pk]))
    client.post(reverse("participant_links", args=[programme.pk]), {"scope": "all"})
    client.post(
        reverse("programme_edit", args=[programme.pk]),
        {
            "organisation": programme.organisation,
            "title": "Renamed",
            "language": programme.language,
            "min_group_size": 7,
            "team_change_threshold": programme.team_change_threshold,
            "programme_change_threshold": programme.programme_change_threshold,
        },
    )
    rows = {row.action: row for row in AuditEntry.objects.filter(programme_id=programme.pk)}
    assert rows["unit.delete"].details == {}
    assert rows["unit.delete"].object_id == str(unit.pk)
    assert rows["participant.issue_links"].details == {"links": 4, "emailed": 0}
    assert rows["programme.edit"].details == {"fields": ["title", "min_group_size"]}
    for row in rows.values():
        assert row.summary == ""
        assert "South" not in str(row.details)
        assert "Renamed" not in str(row.details)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs",
    [
        {"fields": ["Anna Hansen"]},
        {"fields": ["title; drop"]},
        {"counts": {"note": 1}},
        {"counts": {"links": "seven"}},
        {"counts": {"links": True}},
    ],
)
def test_record_refuses_anything_but_field_names_and_numbers(cast, kwargs):
    with pytest.raises(ValueError):
        audit.record(
            staff_request(cast.facilitator),
            action="programme.edit",
            programme=cast.programme,
            **kwargs,
        )
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_unknown_codes_and_old_rows_are_shown_as_stored(client, cast):
    AuditEntry.objects.create(
        actor="fac",
        role="auditor",
        programme_id=cast.programme.pk,
        action="something.new",
        object_type="",
        summary="3 participants",
    )
    client.force_login(cast.facilitator)
    table = audit_table(client, cast.programme)
    assert "something.new" in table
    assert "auditor" in table
    assert "3 participants" in table


@pytest.mark.django_db
def test_a_removed_field_is_shown_by_its_name(cast):
    entry = audit.record(
        staff_request(cast.facilitator),
        action="programme.edit",
        obj=cast.programme,
        programme=cast.programme,
        fields=["retired_field"],
    )
    with translation.override("da"):
        assert entry.details_text == "Ændrede felter: retired_field."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("da", "Temperaturmåling af social kapital"),
        ("sv", "Temperaturmätning av socialt kapital"),
        ("en", "Social capital temperature"),
    ],
)
def test_the_standard_instrument_is_named_in_the_readers_language(language, name):
    standard = Instrument.objects.get(workspace__isnull=True, name=STANDARD_NAME)
    with translation.override(language):
        assert standard.display_name == name
        assert str(standard) == f"{name} v1"


@pytest.mark.django_db
def test_an_own_instrument_keeps_its_stored_name(cast):
    own = Instrument.objects.create(workspace=cast.programme.workspace, name="Vores egne")
    with translation.override("da"):
        assert own.display_name == "Vores egne"


@pytest.mark.django_db
def test_the_shipped_items_match_the_item_bank():
    """The data migrations and the item bank give every database the same texts."""
    standard = Instrument.objects.get(workspace__isnull=True, name=STANDARD_NAME, version=1)
    stored = {item.key: (item.text_da, item.text_sv, item.text_en) for item in standard.items.all()}
    bank = {entry["key"]: (entry["da"], entry["sv"], entry["en"]) for entry in STANDARD_V1}
    assert stored == bank
    bridging = stored["cbr-other-teams"][1]
    assert "arbetsgrupperna och yrkesgrupperna" in bridging
