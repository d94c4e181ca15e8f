"""Instrument versions: the standard bank, new versions, export and checked import."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from surveys import scoring, services
from surveys.instruments import parse_instrument
from surveys.item_bank import STANDARD_V1
from surveys.models import Instrument, Item, Round


def test_item_bank_meets_the_domain_rules():
    assert 16 <= len(STANDARD_V1) <= 20
    core = [item for item in STANDARD_V1 if item["core"]]
    assert 9 <= len(core) <= 12
    for subdimension in scoring.SUBDIMENSIONS:
        assert any(item["subdimension"] == subdimension for item in core)
    for element in scoring.ELEMENTS:
        in_element = [i for i in core if scoring.SUBDIMENSION_ELEMENT[i["subdimension"]] == element]
        assert len(in_element) >= 3
    for item in STANDARD_V1:
        assert all(item[lang].strip() for lang in ("da", "sv", "en"))
        expects_dont_know = item["subdimension"] in (
            "collaboration_bridging",
            "collaboration_linking",
        )
        assert item["allow_dont_know"] == expects_dont_know
    assert len({item["key"] for item in STANDARD_V1}) == len(STANDARD_V1)


@pytest.mark.django_db
def test_standard_instrument_is_shipped_by_a_migration():
    instrument = Instrument.objects.get(workspace__isnull=True, version=1)
    assert instrument.workspace is None
    assert instrument.items.count() == len(STANDARD_V1)


@pytest.mark.django_db
def test_new_version_copies_items_and_can_be_edited(client, cast):
    client.force_login(cast.facilitator)
    standard = services.standard_instrument()
    response = client.post(
        reverse("instrument_new_version", args=[standard.pk]),
        {"workspace": cast.programme.workspace_id},
    )
    copy = Instrument.objects.get(workspace=cast.programme.workspace)
    assert response.url == reverse("instrument_detail", args=[copy.pk])
    assert copy.version == standard.version + 1
    assert copy.items.count() == standard.items.count()
    item = copy.items.first()
    response = client.post(
        reverse("instrument_item_edit", args=[copy.pk, item.pk]),
        {
            "key": item.key,
            "subdimension": item.subdimension,
            "text_da": "Ny tekst",
            "text_sv": "Ny text",
            "text_en": "New text",
            "core": "on",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.text_da == "Ny tekst"
    assert Item.objects.get(instrument=standard, key=item.key).text_da != "Ny tekst"


@pytest.mark.django_db
def test_standard_instrument_cannot_be_edited(client, cast):
    client.force_login(cast.facilitator)
    standard = services.standard_instrument()
    item = standard.items.first()
    url = reverse("instrument_item_edit", args=[standard.pk, item.pk])
    assert client.get(url).status_code == 404
    response = client.post(reverse("instrument_detail", args=[standard.pk]), {"key": "x"})
    assert response.status_code == 404
    assert standard.items.count() == len(STANDARD_V1)


@pytest.mark.django_db
def test_pinned_version_is_locked(client, cast):
    client.force_login(cast.facilitator)
    own = services.new_instrument_version(
        instrument=services.standard_instrument(), workspace=cast.programme.workspace
    )
    setup = services.get_or_create_setup(programme=cast.programme)
    services.choose_instrument(setup=setup, instrument=own)
    round = Round.objects.create(programme=cast.programme, title="R1")
    services.open_round(round=round)
    assert own.is_locked
    item = own.items.first()
    response = client.post(reverse("instrument_item_delete", args=[own.pk, item.pk]))
    assert response.status_code == 404
    assert Item.objects.filter(pk=item.pk).exists()
    # The programme's choice is fixed too.
    response = client.post(
        reverse("survey_setup", args=[cast.programme.pk]),
        {"action": "items", "items": [own.items.last().pk]},
    )
    assert response.status_code == 302
    assert set(setup.items.all()) != {own.items.last()}


@pytest.mark.django_db
def test_export_then_import_round_trips(client, cast):
    client.force_login(cast.facilitator)
    standard = services.standard_instrument()
    exported = client.get(reverse("instrument_export", args=[standard.pk]))
    assert exported["Content-Disposition"].startswith("attachment;")
    document = json.loads(exported.content)
    assert len(document["items"]) == len(STANDARD_V1)
    response = client.post(
        reverse("instruments"),
        {
            "workspace": cast.programme.workspace_id,
            "file": SimpleUploadedFile("i.json", exported.content, "application/json"),
        },
    )
    assert response.status_code == 302
    imported = Instrument.objects.get(workspace=cast.programme.workspace)
    assert imported.items.count() == len(STANDARD_V1)
    assert [i.text_sv for i in imported.items.all()] == [i["sv"] for i in STANDARD_V1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "not an exported instrument"),
        (
            json.dumps({"format": "socialcapital-instrument", "name": "X", "items": []}).encode(),
            "between 1 and 60",
        ),
        (
            json.dumps(
                {
                    "format": "socialcapital-instrument",
                    "name": "X",
                    "items": [
                        {
                            "key": "Bad Key",
                            "subdimension": "nope",
                            "texts": {"da": "a"},
                            "core": "yes",
                        }
                    ],
                }
            ).encode(),
            "Question 1",
        ),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b"x" * (600 * 1024), "larger than 512 KB"),
        (b"[" * 100_000, "not"),
    ],
)
def test_bad_imports_are_refused_with_a_clear_message(client, cast, content, message):
    client.force_login(cast.facilitator)
    before = Instrument.objects.count()
    response = client.post(
        reverse("instruments"),
        {
            "workspace": cast.programme.workspace_id,
            "file": SimpleUploadedFile("i.json", content, "application/json"),
        },
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Instrument.objects.count() == before


def test_parse_reports_every_problem_per_question():
    document = {
        "format": "socialcapital-instrument",
        "name": "Own",
        "items": [
            {
                "key": "a",
                "subdimension": "trust_vertical",
                "texts": {"da": "x", "sv": "y", "en": "z"},
            },
            {
                "key": "a",
                "subdimension": "trust_vertical",
                "texts": {"da": "x", "sv": "", "en": "z"},
                "reverse": 1,
            },
        ],
    }
    parsed = parse_instrument(json.dumps(document).encode())
    assert len(parsed.items) == 1
    assert any("used twice" in e for e in parsed.errors)
    assert any("language “sv”" in e for e in parsed.errors)
    assert any("true or false" in e for e in parsed.errors)


@pytest.mark.django_db
def test_programme_can_switch_instrument_before_pinning(client, cast):
    client.force_login(cast.facilitator)
    client.post(reverse("survey_setup", args=[cast.programme.pk]))
    own = services.new_instrument_version(
        instrument=services.standard_instrument(), workspace=cast.programme.workspace
    )
    response = client.post(
        reverse("survey_setup", args=[cast.programme.pk]),
        {"action": "instrument", "instrument": own.pk},
    )
    assert response.status_code == 302
    assert cast.programme.survey_setup.instrument == own
    foreign = services.new_instrument_version(
        instrument=services.standard_instrument(), workspace=cast.other_programme.workspace
    )
    response = client.post(
        reverse("survey_setup", args=[cast.programme.pk]),
        {"action": "instrument", "instrument": foreign.pk},
    )
    assert response.status_code == 422
    cast.programme.survey_setup.refresh_from_db()
    assert cast.programme.survey_setup.instrument == own


@pytest.mark.django_db
def test_items_must_cover_every_area(client, cast):
    client.force_login(cast.facilitator)
    client.post(reverse("survey_setup", args=[cast.programme.pk]))
    setup = cast.programme.survey_setup
    before = set(setup.items.values_list("pk", flat=True))
    one = setup.instrument.items.first()
    response = client.post(
        reverse("survey_setup", args=[cast.programme.pk]), {"action": "items", "items": [one.pk]}
    )
    assert response.status_code == 422
    assert set(setup.items.values_list("pk", flat=True)) == before


@pytest.mark.django_db
def test_preview_before_questions_are_chosen_says_what_to_do(client, cast):
    client.force_login(cast.facilitator)
    html = client.get(reverse("survey_preview", args=[cast.programme.pk])).content.decode()
    assert "No questions chosen yet" in html
    assert "Page 1 of 1" not in html
    assert reverse("survey_setup", args=[cast.programme.pk]) in html


@pytest.mark.django_db
def test_the_question_picker_groups_questions_under_the_areas_it_asks_to_keep(client, cast):
    from surveys.models import Subdimension

    client.force_login(cast.facilitator)
    client.post(reverse("survey_setup", args=[cast.programme.pk]))
    html = client.get(reverse("survey_setup", args=[cast.programme.pk])).content.decode()
    for _value, label in Subdimension.choices:
        assert f"<legend>{label}</legend>" in html
    assert "keep at least one question in each of them" in html
    one = cast.programme.survey_setup.instrument.items.first()
    refused = client.post(
        reverse("survey_setup", args=[cast.programme.pk]), {"action": "items", "items": [one.pk]}
    )
    assert refused.status_code == 422
    assert "Missing:" in refused.content.decode()
