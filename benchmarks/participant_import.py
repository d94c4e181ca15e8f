"""Time and memory for checking and importing a 10,000-row participant list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/participant_import.py

Builds a throwaway programme, imports the file through the same parser and service the
view uses, prints the figures, and deletes the programme again.
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from programmes import services  # noqa: E402
from programmes.models import Programme, Unit, User, Workspace  # noqa: E402
from programmes.participant_csv import parse_participants  # noqa: E402

ROWS = 10_000


def main() -> None:
    workspace = Workspace.objects.create(name="Benchmark")
    user = User.objects.create(username=f"bench-{time.time_ns()}")
    programme = Programme.objects.create(workspace=workspace, organisation="B", title="B")
    parent = Unit.objects.create(programme=programme, name="Forvaltning")
    for i in range(20):
        Unit.objects.create(programme=programme, parent=parent, name=f"Team {i}")
    lines = ["Navn;E-mail;Enhed"] + [
        f"Medarbejder {i};m{i}@kommune.example;Forvaltning / Team {i % 20}" for i in range(ROWS)
    ]
    data = ("\n".join(lines)).encode("cp1252")

    def check():
        return parse_participants(
            data,
            tree=programme.unit_tree(),
            existing_emails=set(),
            max_bytes=settings.PARTICIPANT_CSV_MAX_BYTES,
            max_rows=settings.PARTICIPANT_CSV_MAX_ROWS,
        )

    try:
        tracemalloc.start()
        check()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        start = time.perf_counter()
        result = check()
        parsed = time.perf_counter()
        staged = services.stage_import(
            programme=programme, user=user, filename="bench.csv", result=result
        )
        with CaptureQueriesContext(connection) as queries:
            count = services.confirm_import(staged=staged)
        done = time.perf_counter()
        print(f"file size           {len(data) / 1024:.0f} KiB, {ROWS} rows")
        print(f"check (parse)       {parsed - start:.2f} s, {len(result.errors)} errors")
        print(f"stage + import      {done - parsed:.2f} s, {count} participants")
        print(f"import queries      {len(queries)}")
        print(f"peak memory (check)  {peak / 1024 / 1024:.1f} MiB")
    finally:
        services.delete_programme(programme=programme)
        workspace.delete()
        user.delete()


if __name__ == "__main__":
    main()
