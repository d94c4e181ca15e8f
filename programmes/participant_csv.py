"""Reading a participant list as people really send it, without touching the database.

Accepts UTF-8 with or without BOM, UTF-16 with BOM and Windows-1252 (Excel's "CSV"),
separated by ';', ',' or tabs, with headers in Danish, Swedish or English. Every problem
is reported with the row number a spreadsheet shows (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from programmes.tree import UnitTree, normalise_path

HEADER_ALIASES = {
    "name": {"name", "full name", "navn", "fulde navn", "namn", "fullständigt namn"},
    "email": {
        "email",
        "e-mail",
        "mail",
        "e-mailadresse",
        "emailadresse",
        "e-post",
        "epost",
        "e-postadress",
        "email address",
        "e-mail address",
    },
    "unit": {
        "unit",
        "unit path",
        "enhed",
        "enhet",
        "afdeling",
        "avdelning",
        "team",
        "arbejdsplads",
        "arbetsplats",
    },
}
NAME_MAX = 200
EMAIL_MAX = 254


@dataclass(frozen=True)
class ParsedRow:
    line: int
    name: str
    email: str
    unit_id: int


@dataclass
class ParseResult:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def decode(data: bytes) -> str:
    """Text from the bytes of a spreadsheet export; raises UnicodeDecodeError if hopeless."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def sniff_delimiter(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ";"


def _column_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    unknown = []
    for index, raw in enumerate(header):
        label = " ".join(raw.strip().strip('"').split()).casefold()
        key = next((k for k, aliases in HEADER_ALIASES.items() if label in aliases), None)
        if key is None or key in columns:
            if label:
                unknown.append(raw.strip())
            continue
        columns[key] = index
    return columns, unknown


def parse_participants(
    data: bytes,
    *,
    tree: UnitTree,
    existing_emails: set[str],
    max_bytes: int,
    max_rows: int,
) -> ParseResult:
    """Check every row of an uploaded participant list; nothing is saved here."""
    result = ParseResult()
    unit_paths = tree.by_path()
    deepest = max(tree.walk(), key=lambda node: node.depth, default=None)
    example = tree.path(deepest.id) if deepest else "Unit / Team"
    if len(data) > max_bytes:
        result.errors.append(
            _("The file is larger than %(mb)s MB. Split it into smaller files.")
            % {"mb": max_bytes // (1024 * 1024)}
        )
        return result
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        result.errors.append(
            _("The file contains binary data. Save it from your spreadsheet as CSV and try again.")
        )
        return result
    try:
        text = decode(data)
    except UnicodeDecodeError:
        result.errors.append(
            _("The file could not be read as text. Save it as CSV (UTF-8) and try again.")
        )
        return result
    if "\x00" in text:  # UTF-16 may spell NUL too; PostgreSQL refuses it in text and JSON.
        result.errors.append(
            _("The file contains binary data. Save it from your spreadsheet as CSV and try again.")
        )
        return result

    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        result.errors.append(_("The file is empty."))
        return result
    if sum(1 for line in lines if line.strip()) - 1 > max_rows:
        result.errors.append(
            _("The file has more than %(max)s rows. Split it into smaller files.")
            % {"max": number_format(max_rows, force_grouping=True)}
        )
        return result

    first = next(line for line in lines if line.strip())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first))
    records: list[tuple[int, list[str]]] = []
    try:
        # A spreadsheet row is a CSV record (a quoted cell may hold line breaks), so rows
        # are counted by record, blank ones included, not by physical line.
        for row in reader:
            records.append((len(records) + 1, row))
    except csv.Error as exc:
        result.errors.append(
            _("Row %(row)s could not be read (%(problem)s).")
            % {"row": len(records) + 1, "problem": exc}
        )
        return result
    records = [(line, row) for line, row in records if any(cell.strip() for cell in row)]
    if not records:  # only separators and quotes, e.g. ";;;" or '""'
        result.errors.append(_("The file is empty."))
        return result
    header_line, header = records[0]
    columns, unknown = _column_map(header)
    if "unit" not in columns:
        result.errors.append(
            _(
                "Row %(row)s (the header) has no unit column. Expected columns: "
                "name, e-mail and unit, for example “Name;E-mail;Unit”."
            )
            % {"row": header_line}
        )
        return result
    if unknown:
        result.notices.append(
            _("These columns were ignored: %(columns)s.") % {"columns": ", ".join(unknown)}
        )

    seen_emails: dict[str, int] = {}
    for line, row in records[1:]:
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
            result.errors.append(
                _("Row %(row)s has %(found)s columns, but the header has %(expected)s.")
                % {"row": line, "found": len(row), "expected": len(header)}
            )
            continue

        def cell(key: str, row: list[str] = row) -> str:
            index = columns.get(key)
            return " ".join(row[index].split()) if index is not None and index < len(row) else ""

        name, email, unit_path = cell("name"), cell("email"), cell("unit")
        row_errors = []
        if len(name) > NAME_MAX:
            row_errors.append(
                _("Row %(row)s: the name is longer than %(max)s characters.")
                % {"row": line, "max": NAME_MAX}
            )
        if email:
            try:
                if len(email) > EMAIL_MAX:
                    raise ValidationError("too long")
                validate_email(email)
            except ValidationError:
                row_errors.append(
                    _("Row %(row)s: “%(email)s” is not a valid e-mail address.")
                    % {"row": line, "email": email[:80]}
                )
            else:
                key = email.casefold()
                if key in seen_emails:
                    row_errors.append(
                        _(
                            "Row %(row)s: the e-mail address %(email)s also appears "
                            "in row %(other)s."
                        )
                        % {"row": line, "email": email, "other": seen_emails[key]}
                    )
                elif key in existing_emails:
                    row_errors.append(
                        _("Row %(row)s: %(email)s is already a participant in this programme.")
                        % {"row": line, "email": email}
                    )
                seen_emails.setdefault(key, line)
        unit_id = unit_paths.get(normalise_path(unit_path)) if unit_path else None
        if not unit_path:
            row_errors.append(_("Row %(row)s: the unit is missing.") % {"row": line})
        elif unit_id is None:
            row_errors.append(
                _(
                    "Row %(row)s: there is no unit “%(unit)s”. "
                    "Write the full path, as in “%(example)s”."
                )
                % {
                    "row": line,
                    "unit": unit_path[:120],
                    "example": example,
                }
            )
        if row_errors:
            result.errors.extend(row_errors)
        else:
            result.rows.append(ParsedRow(line, name, email, unit_id))
    if not result.rows and not result.errors:
        result.errors.append(_("The file has a header but no participants."))
    return result
