"""The programme export (QUALITY G-1): every table that belongs to a programme is in the zip,
found by walking the models; secrets stay out; small units' answer sheets lose their unit."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from programmes import deletion, export, services
from programmes.models import AuditEntry, Programme


def download(user, programme) -> zipfile.ZipFile:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("programme_export", args=[programme.pk]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="data-')
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.mark.django_db
def test_every_model_of_a_programme_is_in_the_export_with_its_rows():
    call_command("demo", stdout=io.StringIO())
    programme = Programme.objects.get(template="four_seminars")
    facilitator = programme.workspace.memberships.first().user
    archive = download(facilitator, programme)
    names = set(archive.namelist())
    for owned in [*deletion.owned_models()]:
        label = owned.model._meta.label_lower.replace(".", "_")
        assert {f"{label}.json", f"{label}.csv"} <= names, label
        rows = json.loads(archive.read(f"{label}.json"))
        assert len(rows) == owned.rows(programme.pk).count(), label
        lines = list(csv.reader(io.StringIO(archive.read(f"{label}.csv").decode("utf-8-sig"))))
        assert len(lines) == len(rows) + 1, label
    assert "progress-report.pdf" in names and "README.txt" in names
    people = json.loads(archive.read("programmes_participant.json"))
    assert any(person["name"] for person in people)  # the controller's own data, in full
    everything = b"".join(archive.read(name) for name in names if name.endswith(".json"))
    for secret in (b"token_hash", b'"lookup"', b"nonce", b"idempotency_key"):
        assert secret not in everything, secret
    some = programme.participants.exclude(token_hash="").first()
    assert some.token_hash.encode() not in everything
    assert AuditEntry.objects.filter(action="programme.export", programme_id=programme.pk)


@pytest.mark.django_db
def test_answer_sheets_of_a_unit_under_k_come_without_their_unit(cast):
    from tests.factories import closed_round

    u = cast.units
    closed_round(cast.programme, "R", {u["South"]: (4, 6), u["North Day"]: (2, 2)})
    archive = io.BytesIO()
    export.write(cast.programme, archive)
    sheets = json.loads(zipfile.ZipFile(archive).read("surveys_response.json"))
    units = [sheet["unit_id"] for sheet in sheets]
    assert units.count(u["South"].pk) == 6
    assert units.count(None) == 2 and u["North Day"].pk not in units


@pytest.mark.django_db
def test_only_the_programmes_facilitators_may_export_it(cast):
    for user in (cast.manager, cast.outsider, cast.nobody):
        client = Client()
        client.force_login(user)
        assert client.get(reverse("programme_export", args=[cast.programme.pk])).status_code == 404
    services.delete_programme(programme=cast.other_programme)
    client = Client()
    client.force_login(cast.outsider)
    gone = client.get(reverse("programme_export", args=[cast.other_programme.pk]))
    assert gone.status_code == 404
