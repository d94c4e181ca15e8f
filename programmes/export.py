"""Everything a programme holds, for its controller (QUALITY G-1): JSON and CSV in a zip,
with the progress report.

The client is the controller of the data; at the end of the work, or when it asks, it gets
all of it back (GDPR Art. 15, 20, 28(3)(g)). Which rows belong to the programme is found as
its deletion finds them (`programmes.deletion.owned_models`, by walking the foreign keys),
so a model added later is exported without anyone remembering to.

Two things are kept out, on purpose:
- secrets that open something (link token hashes, key lookups, nonces, idempotency keys):
  they serve no one outside the app and would only be a risk in a file on a laptop;
- the unit of a survey answer sheet, where fewer than k sheets of that round came from that
  unit: the sheets are anonymous, and a small unit next to its answers would say whose
  they are. Such sheets keep `unit` empty and count in the programme's totals, as they do on
  the dashboard.

Personal plans stay sealed: only their owner's key opens them.

The CSV files are for spreadsheets, so their text cells go through `safe_cell` (a formula
typed as a unit name is shown, not run); the JSON files keep every value exactly.
"""

from __future__ import annotations

import base64
import csv
import datetime
import decimal
import io
import json
import re
import tempfile
import uuid
import zipfile

from django.db import models
from django.db.models import Count

from programmes.deletion import owned_models
from programmes.models import Programme
from programmes.spreadsheet import safe_cell

SECRET = re.compile(r"token|hash|nonce|lookup|idempotency|secret|password", re.IGNORECASE)
ROWS_PER_READ = 2000


def field_names(model: type[models.Model]) -> list[str]:
    """The columns exported for a model: every concrete field but those holding secrets
    (foreign keys as their ids)."""
    return [f.attname for f in model._meta.concrete_fields if not SECRET.search(f.name)]


def _plain(value):
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    return value


def _small_units(programme: Programme) -> set[tuple[int, int]]:
    """(round, unit) pairs with fewer than k answer sheets."""
    from surveys.models import Response

    counts = (
        Response.objects.filter(round__programme=programme)
        .values("round_id", "unit_id")
        .annotate(n=Count("pk"))
    )
    k = programme.min_group_size
    return {(row["round_id"], row["unit_id"]) for row in counts if row["n"] < k}


def write(programme: Programme, out, *, report_pdf: bytes | None = None) -> list[str]:
    """Write the zip to the binary file `out`; returns the names of the files in it."""
    from surveys.models import Response

    small = _small_units(programme)
    tables = [(Programme, Programme.all_objects.filter(pk=programme.pk))]
    tables += [(owned.model, owned.rows(programme.pk)) for owned in owned_models()]
    names = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for model, rows in tables:
            label = model._meta.label_lower.replace(".", "_")
            columns = field_names(model)

            def records(model=model, rows=rows, columns=columns):
                read = rows.order_by("pk").values_list(*columns).iterator(ROWS_PER_READ)
                for row in read:
                    record = dict(zip(columns, map(_plain, row), strict=True))
                    if model is Response and (record["round_id"], record["unit_id"]) in small:
                        record["unit_id"] = None  # under k: the unit would say whose they are
                    yield record

            # Written as they are read, one file at a time: a million answers never sit in
            # memory at once.
            with archive.open(f"{label}.json", "w") as entry:
                entry.write(b"[")
                for number, record in enumerate(records()):
                    entry.write((",\n" if number else "\n").encode())
                    entry.write(json.dumps(record, ensure_ascii=False).encode())
                entry.write(b"\n]\n")
            with archive.open(f"{label}.csv", "w") as entry:
                text = io.TextIOWrapper(entry, encoding="utf-8-sig", newline="")
                table = csv.DictWriter(text, fieldnames=columns)
                table.writeheader()
                table.writerows(
                    {column: safe_cell(value) for column, value in record.items()}
                    for record in records()
                )
                text.flush()
                text.detach()
            names += [f"{label}.json", f"{label}.csv"]
        if report_pdf is not None:
            archive.writestr("progress-report.pdf", report_pdf)
            names.append("progress-report.pdf")
        archive.writestr("README.txt", _readme(programme))
        names.append("README.txt")
    return names


def _readme(programme: Programme) -> str:
    return (
        f"{programme.organisation}: {programme.title}\n"
        f"Exported {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC.\n\n"
        "One JSON file and one CSV file (UTF-8) per table; foreign keys are the ids of rows "
        "in the other files.\n"
        "Left out on purpose: secrets that open links or plans (token hashes, key lookups, "
        "nonces, idempotency keys).\n"
        f"Survey answer sheets from a unit with fewer than {programme.min_group_size} sheets "
        "in a round have no unit: the sheets are anonymous and a small unit would say whose "
        "they are.\n"
        "Personal plans stay encrypted (base64): only their owner's key opens them.\n"
        "In the CSV files, a text that begins with =, +, -, @, a tab or a carriage return "
        "has an apostrophe in front, so that a spreadsheet shows it instead of running it as "
        "a formula; the JSON files hold every text exactly as it was typed.\n"
    )


def to_temporary_file(programme: Programme, *, report_pdf: bytes | None = None):
    """The zip in a temporary file (kept in memory up to 8 MB), rewound for reading."""
    spooled = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    write(programme, spooled, report_pdf=report_pdf)
    spooled.seek(0)
    return spooled
