"""A database dump holds no plan text and no plan key.

A plan, a reflection and a colleague's feedback are written with unique markers through the
pages, committed, and the whole test database is dumped with pg_dump: the dump must hold the
plan's rows (its lookup hash) and none of the markers, the key in any spelling, or the
recovery code.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import uuid

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.urls import reverse

from actionplans import crypto
from actionplans.models import Feedback, PersonalPlan, Reflection
from actionplans.views_personal import COOKIE_NAME


def dump_database() -> bytes:
    """The whole test database as pg_dump writes it (plain SQL, data and schema)."""
    assert connection.vendor == "postgresql", "pg_dump needs the PostgreSQL test database"
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is missing: install postgresql-client"
    db = connection.settings_dict
    command = [pg_dump, "--no-owner", "--dbname", db["NAME"]]
    for flag, value in (("--host", db["HOST"]), ("--port", db["PORT"]), ("--username", db["USER"])):
        if value:
            command += [flag, str(value)]
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    return subprocess.run(command, env=env, check=True, capture_output=True, timeout=120).stdout


@pytest.mark.django_db(transaction=True)
def test_a_dump_holds_neither_plan_text_nor_keys(cast):
    markers = {name: f"{name}-{uuid.uuid4().hex}" for name in ("goal", "steps", "reflect", "fb")}
    participant = cast.programme.participants.first()
    owner = Client()
    owner.get(reverse("participant_link", args=[participant.issue_link_token()]))
    created = owner.post(
        reverse("plan_start"),
        {
            "goal": markers["goal"],
            "first_steps": markers["steps"],
            "support": "",
            "check": "",
        },
    )
    assert created.status_code == 200
    code = "-".join(re.findall(r"<code>([A-Z2-7]{4})</code>", created.content.decode()))
    key = crypto.parse_key(created.cookies[COOKIE_NAME].value)
    assert crypto.recovery_code(key) == code
    assert (
        owner.post(
            reverse("plan_reflect"), {"went": "4", "learned": markers["reflect"]}
        ).status_code
        == 302
    )
    shared = owner.post(reverse("plan_share")).content.decode()
    share = re.search(r"/plan/s/([A-Za-z0-9_-]{27})/", shared).group(1)
    given = Client().post(reverse("plan_shared", args=[share]), {"works": markers["fb"]})
    assert given.status_code == 200
    assert PersonalPlan.objects.count() == Reflection.objects.count() == 1
    assert Feedback.objects.count() == 1

    dump = dump_database()
    plan = PersonalPlan.objects.get()
    assert plan.lookup.encode() in dump  # the plan's rows are in the dump
    assert bytes(plan.ciphertext).hex().encode() in dump
    text = crypto.key_text(key)
    secrets = [
        *markers.values(),
        code,
        text,
        text.lower(),
        key.hex(),
        base64.b64encode(key).decode().rstrip("="),
        base64.urlsafe_b64encode(key).decode().rstrip("="),
        share,
    ]
    for secret in secrets:
        assert secret.encode() not in dump, secret
        assert secret.encode().hex().encode() not in dump, secret  # bytea is dumped as hex
    assert key not in dump

    # --- Staff see none of it: every page, export and log they can open ---------------------
    programme = cast.programme.pk
    seminar = cast.programme.seminars.get(number=1).pk
    staff_pages = [
        reverse("programme_detail", args=[programme]),
        reverse("plans", args=[programme]),
        reverse("results", args=[programme]),
        reverse("results_export", args=[programme, "csv"]),
        reverse("results_export", args=[programme, "xlsx"]),
        reverse("audit_log", args=[programme]),
        reverse("participants", args=[programme]),
        reverse("seminar_detail", args=[programme, seminar]),
        reverse("seminar_documentation", args=[programme, seminar]),
        reverse("seminar_documentation_pdf", args=[programme, seminar]),
    ]
    for user in (cast.facilitator, cast.manager):
        viewer = Client()
        viewer.force_login(user)
        for url in staff_pages:
            response = viewer.get(url)
            if response.status_code == 404:  # a facilitator-only page, for the manager
                continue
            assert response.status_code == 200, (url, response.status_code)
            body = b"".join(response) if response.streaming else response.content
            for secret in secrets:
                assert secret.encode() not in body, (user.username, url, secret)
    assert not any(model is PersonalPlan for model in admin.site._registry)
