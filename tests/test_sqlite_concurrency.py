"""The embedded SQLite default holds a room of phones submitting at the same moment.

The suite's own database is PostgreSQL, so the check runs in a fresh interpreter with
DATABASE_URL pointing at a SQLite file: it migrates the file, then many threads (each with
its own Django connection, as runserver's threads and gunicorn's workers have) submit
surveys through the real service at once, every phone twice (a double tap).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PHONES = 40  # submitting, each twice at once
ANSWERING = 20  # still on a question page, saving their drafts

BURST = """
import json, sys, threading

import django

django.setup()
from django.core.management import call_command
from django.db import connection

call_command("migrate", verbosity=0, interactive=False)

from programmes.models import Participant, Unit, Workspace
from programmes.services import create_programme
from surveys import services
from surveys.models import Response, Round

phones, answering = int(sys.argv[1]), int(sys.argv[2])
workspace = Workspace.objects.create(name="Room")
programme = create_programme(
    workspace=workspace, organisation="Skovby Kommune", title="Room", language="da"
)
unit = Unit.objects.create(programme=programme, name="Team")
services.get_or_create_setup(programme=programme)
survey_round = services.open_round(
    round=Round.objects.create(programme=programme, title="Baseline")
)
answers = {item.pk: 3 for item in services.survey_items(programme)}
ready = []
for number in range(phones):
    # Half come by personal link (two transactions), half by the room code (one).
    participant = (
        Participant.objects.create(programme=programme, unit=unit, name=f"P{number}")
        if number % 2
        else None
    )
    draft = services.new_draft(round=survey_round, language="da", unit=unit)
    ready.append((services.save_answers(draft=draft, answers=answers), participant))
slower = [
    services.new_draft(round=survey_round, language="da", unit=unit) for _ in range(answering)
]

barrier = threading.Barrier(2 * phones + answering, timeout=60)
errors = []


def run(work):
    try:
        barrier.wait()
        work()
    except Exception as error:  # any exception here is an error page on a phone
        errors.append(f"{type(error).__name__}: {error}")
    finally:
        connection.close()


def send(draft, participant):
    services.submit(
        round_id=survey_round.pk,
        draft_id=draft.pk,
        key=draft.idempotency_key,
        participant=participant,
    )


def answer_a_page(draft):
    services.save_answers(draft=draft, answers=answers)


works = [lambda d=d, p=p: send(d, p) for d, p in ready for _twin in (1, 2)]  # a double tap
works += [lambda d=d: answer_a_page(d) for d in slower]
threads = [threading.Thread(target=run, args=(work,)) for work in works]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()

connection.close()
with connection.cursor() as cursor:  # a fresh connection, set up by the settings alone
    pragmas = {}
    for name in ("journal_mode", "synchronous", "busy_timeout"):
        cursor.execute(f"PRAGMA {name}")
        pragmas[name] = cursor.fetchone()[0]
print(
    json.dumps(
        {
            "errors": errors,
            "responses": Response.objects.filter(round=survey_round).count(),
            "pragmas": pragmas,
        }
    )
)
"""


def test_sqlite_default_takes_a_burst_of_submissions_without_locking_errors(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'room.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", BURST, str(PHONES), str(ANSWERING)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    locked = [error for error in outcome["errors"] if "locked" in error]
    assert not locked, f"{len(locked)} of {2 * PHONES + ANSWERING} requests failed: {locked[0]}"
    assert outcome["errors"] == []
    assert outcome["responses"] == PHONES
    assert outcome["pragmas"]["journal_mode"] == "wal"
    assert outcome["pragmas"]["synchronous"] == 1  # NORMAL: safe with WAL, fewer fsyncs
    assert outcome["pragmas"]["busy_timeout"] >= 10_000
