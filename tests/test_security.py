"""Tokens, headers, error pages, the append-only audit log and form hygiene."""

from __future__ import annotations

import ast
import math
import secrets
import string
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from programmes.models import TOKEN_BYTES, AuditEntry, Participant, new_token

ROOT = Path(__file__).resolve().parent.parent


def test_link_tokens_carry_at_least_256_bits():
    token, token_hash = new_token()
    alphabet = string.ascii_letters + string.digits + "-_"
    assert set(token) <= set(alphabet)
    assert len(token) * math.log2(len(alphabet)) >= 256
    assert TOKEN_BYTES * 8 >= 256
    assert len(token_hash) == 64


def test_100_000_tokens_do_not_collide():
    assert len({secrets.token_urlsafe(TOKEN_BYTES) for _ in range(100_000)}) == 100_000


@pytest.mark.django_db
def test_token_hash_has_a_database_length_constraint(cast):
    participant = cast.programme.participants.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.filter(pk=participant.pk).update(token_hash="short")


@pytest.mark.django_db
def test_tokens_are_not_stored_in_clear(cast):
    participant = cast.programme.participants.first()
    token = participant.issue_link_token()
    participant.refresh_from_db()
    assert token not in participant.token_hash
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM programmes_participant WHERE token_hash = %s", [token])
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
def test_audit_rows_cannot_be_changed_or_deleted(cast):
    entry = AuditEntry.objects.create(actor="x", role="facilitator", action="test", object_type="")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test"


@pytest.mark.django_db
def test_the_only_change_an_audit_row_allows_is_blanking_a_name(cast):
    """Erasure pseudonymises: the stored name may become empty; nothing else may change,
    not even together with it."""
    entry = AuditEntry.objects.create(
        actor="old-style name", actor_id=7, role="facilitator", action="test", object_type=""
    )
    for forged in (
        {"actor": "", "actor_id": 8},
        {"actor": "someone else"},
        {"actor": "", "role": "x"},
    ):
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).update(**forged)
    AuditEntry.objects.filter(pk=entry.pk).update(actor="")
    entry.refresh_from_db()
    assert (entry.actor, entry.actor_id, entry.role) == ("", 7, "facilitator")


@pytest.mark.django_db
def test_audit_trail_survives_programme_deletion(client, cast):
    from programmes.services import delete_programme

    client.force_login(cast.facilitator)
    client.post(reverse("units", args=[cast.programme.pk]), {"name": "Trail"})
    programme_id = cast.programme.pk
    delete_programme(programme=cast.programme)
    assert AuditEntry.objects.filter(programme_id=programme_id).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "facilitator", "participant"])
def test_security_headers(client, cast, who):
    if who == "facilitator":
        client.force_login(cast.facilitator)
        url = reverse("programme_detail", args=[cast.programme.pk])
    elif who == "participant":
        token = cast.programme.participants.first().issue_link_token()
        url = client.get(reverse("participant_link", args=[token])).url
    else:
        url = reverse("login")
    response = client.get(url)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-eval" not in csp
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_pages_have_no_inline_scripts(client, cast):
    client.force_login(cast.facilitator)
    for url in (
        reverse("home"),
        reverse("programme_detail", args=[cast.programme.pk]),
        reverse("units", args=[cast.programme.pk]),
    ):
        html = client.get(url).content.decode()
        for chunk in html.split("<script")[1:]:
            assert chunk.split(">", 1)[0].count("src=") == 1, url


@pytest.mark.django_db
def test_csrf_failure_is_a_translated_403(cast):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="da")
    client.force_login(cast.facilitator)
    response = client.post(reverse("units", args=[cast.programme.pk]), {"name": "X"})
    assert response.status_code == 403
    assert '<html lang="da">' in response.content.decode()
    assert not cast.programme.units.filter(name="X").exists()


@pytest.mark.django_db
def test_404_page_is_friendly_and_translated(client):
    response = client.get("/programmes/999999/", HTTP_ACCEPT_LANGUAGE="sv")
    # Anonymous visitors are sent to the login page first.
    assert response.status_code == 302
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code in (302, 404)


@pytest.mark.django_db
def test_500_page_names_the_request_id_and_hides_the_trace(cast, settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.error_urls"
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="da")
    client.force_login(cast.facilitator)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "secret internals" not in html
    assert "Traceback" not in html
    assert response["X-Request-ID"] in html
    assert '<html lang="da">' in html


def test_no_model_form_exposes_every_field():
    """Mass assignment: every ModelForm lists its fields; none uses __all__ or exclude."""
    offenders = []
    for path in ROOT.glob("*/forms.py"):
        tree = ast.parse(path.read_text())
        metas = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == "Meta"]
        for node in (statement for meta in metas for statement in meta.body):
            if isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
                if "exclude" in targets:
                    offenders.append(f"{path}: exclude")
                if "fields" in targets and isinstance(node.value, ast.Constant):
                    offenders.append(f"{path}: fields={node.value.value!r}")
    assert offenders == []


def test_no_model_stores_an_ip_address_or_a_user_agent():
    """QUALITY G-4: minimisation. No model of the app has a field for either. (A rate
    counter's key holds the address for its window of a minute or two, apart from any
    survey, board or plan data; the security log is a log, not a table.)"""
    from django.apps import apps
    from django.db import models as dj_models

    suspicious = ("ip", "ip_address", "remote_addr", "user_agent", "useragent", "agent", "host")
    found = []
    checked = 0
    for model in apps.get_models():
        if model._meta.app_label not in {"programmes", "surveys", "seminars", "actionplans"}:
            continue
        for field in model._meta.get_fields():
            if not getattr(field, "concrete", False):
                continue
            checked += 1
            name = field.name.lower()
            if isinstance(field, dj_models.GenericIPAddressField) or name in suspicious:
                found.append(f"{model._meta.label}.{field.name}")
            if name.endswith(("_ip", "_user_agent")):
                found.append(f"{model._meta.label}.{field.name}")
    assert checked > 100
    assert found == []
    print(f"{checked} fields of the app's models: no IP address or user agent")
