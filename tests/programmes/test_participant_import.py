"""Participant CSV import: the parser, as people really send files, and the two views."""

from __future__ import annotations

import gettext as gnu_gettext
import html
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from programmes.models import AuditEntry, Participant, ParticipantImport, Unit
from programmes.participant_csv import ParseResult, parse_participants
from programmes.tree import UnitTree
from tests.factories import ParticipantFactory, UnitFactory

MB = 1024 * 1024
MAX_BYTES = 5 * MB
MAX_ROWS = 10_000
NORTH, NORTH_DAY, SOUTH = 1, 2, 3
EXPIRED = "This import has expired. Upload the file again."
STALE = "The programme changed since the preview. Upload the file again to check it."
BINARY = "The file contains binary data. Save it from your spreadsheet as CSV and try again."
NOT_TEXT = "The file could not be read as text. Save it as CSV (UTF-8) and try again."
TOO_BIG = "The file is larger than 5 MB. Split it into smaller files."
TOO_MANY = "The file has more than 10,000 rows. Split it into smaller files."
NO_ROWS = "The file has a header but no participants."
EMPTY = "The file is empty."
NO_UNIT_COLUMN = (
    "Row 1 (the header) has no unit column. Expected columns: "
    "name, e-mail and unit, for example “Name;E-mail;Unit”."
)
UNIT_MISSING = "Row %(row)s: the unit is missing."


# --- Helpers ---------------------------------------------------------------------------


def tree() -> UnitTree:
    """The cast's units without the database: North (with North Day) and South."""
    return UnitTree.from_rows(
        [(NORTH, None, "North"), (NORTH_DAY, NORTH, "North Day"), (SOUTH, None, "South")]
    )


def parse(data: bytes, *, existing=(), max_bytes=MAX_BYTES, max_rows=MAX_ROWS) -> ParseResult:
    with translation.override("en"):
        return parse_participants(
            data,
            tree=tree(),
            existing_emails={e.casefold() for e in existing},
            max_bytes=max_bytes,
            max_rows=max_rows,
        )


def rows_of(result: ParseResult) -> list[tuple[int, str, str, int]]:
    return [(r.line, r.name, r.email, r.unit_id) for r in result.rows]


def big_file(rows: int, *, eol: str = "\r\n") -> bytes:
    units = ["North", "North / North Day", "South"]
    lines = ["Navn;E-mail;Enhed"]
    lines += [f"Person {i};person{i}@example.dk;{units[i % 3]}" for i in range(rows)]
    return (eol.join(lines) + eol).encode()


def padded_file(size: int) -> bytes:
    """A valid file of exactly `size` bytes: 2,000 rows whose ignored Notes column pads it."""
    head = "Name;E-mail;Unit;Notes\r\n"
    rows = [f"P{i};p{i}@example.dk;South;" for i in range(2000)]
    fixed = len(head) + sum(len(r) + 2 for r in rows)
    pad, extra = divmod(size - fixed, len(rows))
    body = [row + "x" * (pad + (1 if i < extra else 0)) for i, row in enumerate(rows)]
    data = (head + "\r\n".join(body) + "\r\n").encode()
    assert len(data) == size
    return data


def import_url(programme) -> str:
    return reverse("participant_import", args=[programme.pk])


def confirm_url(programme) -> str:
    return reverse("participant_import_confirm", args=[programme.pk])


def upload(client, programme, data: bytes, name: str = "p.csv", **extra):
    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(import_url(programme), {"file": file}, **extra)


def text(response) -> str:
    return html.unescape(response.content.decode())


def staged_id(response) -> str:
    match = re.search(r'name="staged" value="(\d+)"', response.content.decode())
    assert match, "the preview has no confirm form"
    return match.group(1)


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def snapshot() -> tuple[list, list]:
    """Every row of the two tables an import may touch."""
    return (
        list(Participant.objects.order_by("pk").values_list()),
        list(ParticipantImport.objects.order_by("pk").values_list()),
    )


def import_audits(programme) -> int:
    return AuditEntry.objects.filter(programme_id=programme.pk, action="participant.import").count()


def stage(client, cast, data: bytes) -> str:
    response = upload(client, cast.programme, data)
    assert response.status_code == 200, text(response)
    return staged_id(response)


GOOD = "Navn;E-mail;Enhed\r\nMette Hansen;mette@example.dk;North / North Day\r\nBo Ek;;South\r\n"


# --- Encodings -------------------------------------------------------------------------

DANISH = (
    "Navn;E-mail;Enhed\r\n"
    "Søren Æbelø;soren@example.dk;North / North Day\r\n"
    "Åse Sørensen;ase@example.dk;South\r\n"
)
SWEDISH = (
    "Namn;E-post;Enhet\r\nÅsa Öberg;asa@example.se;North\r\nMärta Hägg;marta@example.se;South\r\n"
)


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda s: s.encode("utf-8"), id="utf-8"),
        pytest.param(lambda s: s.encode("utf-8-sig"), id="utf-8 with BOM"),
        pytest.param(lambda s: s.encode("utf-16"), id="utf-16 with BOM"),
        pytest.param(lambda s: ("\ufeff" + s).encode("utf-16-le"), id="utf-16-le with BOM"),
        pytest.param(lambda s: ("\ufeff" + s).encode("utf-16-be"), id="utf-16-be with BOM"),
        pytest.param(lambda s: s.encode("cp1252"), id="windows-1252"),
    ],
)
def test_encodings_keep_danish_and_swedish_letters(encode):
    danish = parse(encode(DANISH))
    assert danish.errors == []
    assert rows_of(danish) == [
        (2, "Søren Æbelø", "soren@example.dk", NORTH_DAY),
        (3, "Åse Sørensen", "ase@example.dk", SOUTH),
    ]
    swedish = parse(encode(SWEDISH))
    assert swedish.errors == []
    assert rows_of(swedish) == [
        (2, "Åsa Öberg", "asa@example.se", NORTH),
        (3, "Märta Hägg", "marta@example.se", SOUTH),
    ]


def test_windows_1252_bytes_really_are_single_byte_letters():
    data = "Navn;E-mail;Enhed\r\næøå ÆØÅ äö;x@example.dk;South\r\n".encode("cp1252")
    assert b"\xe6\xf8\xe5 \xc6\xd8\xc5 \xe4\xf6" in data
    assert rows_of(parse(data)) == [(2, "æøå ÆØÅ äö", "x@example.dk", SOUTH)]


def test_utf8_with_bom_does_not_leak_into_the_first_header():
    data = b"\xef\xbb\xbfName,E-mail,Unit\nA,a@example.dk,South\n"
    result = parse(data)
    assert result.ok and result.notices == []


# --- Separators, headers, quoting, line endings --------------------------------------


@pytest.mark.parametrize("sep", [";", ",", "\t"], ids=["semicolon", "comma", "tab"])
@pytest.mark.parametrize(
    "header",
    [("Name", "E-mail", "Unit"), ("Navn", "E-mail", "Enhed"), ("Namn", "E-post", "Enhet")],
    ids=["english", "danish", "swedish"],
)
def test_separators_and_header_languages(sep, header):
    name = f"Hansen{sep} Mette"
    data = (
        sep.join(header)
        + "\r\n"
        + sep.join([f'"{name}"', "mette@example.dk", "North / North Day"])
        + "\r\n"
        + sep.join(['"Bo ""Bosse"" Ek"', '"bo@example.dk"', '"South"'])
        + "\r\n"
    ).encode()
    result = parse(data)
    assert result.errors == []
    assert result.notices == []
    assert rows_of(result) == [
        (2, " ".join(name.split()), "mette@example.dk", NORTH_DAY),
        (3, 'Bo "Bosse" Ek', "bo@example.dk", SOUTH),
    ]


@pytest.mark.parametrize(
    "header",
    ['"Navn";"E-mail";"Enhed"', "NAVN ; e-mail ; enhed", "Full name;E-mail address;Unit path"],
)
def test_header_variants(header):
    result = parse(f"{header}\nA;a@example.dk;South\n".encode())
    assert result.errors == []
    assert rows_of(result) == [(2, "A", "a@example.dk", SOUTH)]


def test_columns_in_any_order_and_name_and_email_optional():
    result = parse(b"Enhed;E-mail;Navn\nSouth;a@example.dk;A\nNorth;;\n")
    assert result.errors == []
    assert rows_of(result) == [(2, "A", "a@example.dk", SOUTH), (3, "", "", NORTH)]
    only_units = parse(b"Unit\nSouth\nNorth / North Day\n")
    assert rows_of(only_units) == [(2, "", "", SOUTH), (3, "", "", NORTH_DAY)]


@pytest.mark.parametrize("eol", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
def test_line_endings(eol):
    data = eol.join(["Navn;E-mail;Enhed", "A;a@example.dk;South", "B;b@example.dk;North", ""])
    result = parse(data.encode())
    assert result.errors == []
    assert [(r.line, r.name) for r in result.rows] == [(2, "A"), (3, "B")]


def test_quoted_field_with_line_break_is_one_spreadsheet_row():
    data = (
        b'Name;E-mail;Unit\r\n"Mette\r\nHansen";mette@example.dk;South\r\nBo;not-an-email;South\r\n'
    )
    result = parse(data)
    assert result.errors == ["Row 3: “not-an-email” is not a valid e-mail address."]
    assert rows_of(result) == [(2, "Mette Hansen", "mette@example.dk", SOUTH)]


# --- Column and row problems -----------------------------------------------------------


def test_missing_unit_column_is_a_file_level_error():
    result = parse(b"Navn;E-mail\nA;a@example.dk\nB;b@example.dk\n")
    assert result.errors == [NO_UNIT_COLUMN]
    assert result.rows == []


def test_missing_unit_column_names_the_header_row_after_blank_lines():
    result = parse(b"\r\n\r\nName;Email\r\nA;a@example.dk\r\n")
    assert len(result.errors) == 1
    assert result.errors[0].startswith("Row 3 (the header) has no unit column.")


def test_extra_unknown_columns_are_ignored_with_a_notice():
    data = b"Name;Phone;E-mail;Unit;Notes;Unit\nA;12345678;a@example.dk;South;vip;North\n"
    result = parse(data)
    assert result.errors == []
    assert result.notices == ["These columns were ignored: Phone, Notes, Unit."]
    assert rows_of(result) == [(2, "A", "a@example.dk", SOUTH)]


def test_row_with_more_fields_than_the_header_is_named():
    data = b"Name;E-mail;Unit\nA;a@example.dk;South\nB;b@example.dk;South;surplus;more\n"
    result = parse(data)
    assert result.errors == ["Row 3 has 5 columns, but the header has 3."]


def test_trailing_empty_fields_and_short_rows():
    data = b"Name;E-mail;Unit\nA;a@example.dk;South;;;\nB;b@example.dk\n"
    result = parse(data)
    assert rows_of(result) == [(2, "A", "a@example.dk", SOUTH)]
    assert result.errors == [UNIT_MISSING % {"row": 3}]


@pytest.mark.parametrize("unit", ["West", "North Day", "South / North Day", "North / South"])
def test_unknown_unit_names_the_row_and_the_unit(unit):
    result = parse(f"Name;E-mail;Unit\nA;a@example.dk;South\nB;b@example.dk;{unit}\n".encode())
    assert result.errors == [
        f"Row 3: there is no unit “{unit}”. Write the full path, as in “North / North Day”."
    ]


@pytest.mark.parametrize(
    "path",
    [
        "north / north day",
        "NORTH/NORTH DAY",
        "  North   /North   Day  ",
        "North/ North Day",
        "North \\ North Day",
        "North //  North Day",
        "North\u00a0/\u00a0North Day",
    ],
)
def test_unit_paths_match_case_insensitively_and_with_odd_spacing(path):
    result = parse(f"Name;E-mail;Unit\nA;a@example.dk;{path}\n".encode())
    assert result.errors == []
    assert rows_of(result) == [(2, "A", "a@example.dk", NORTH_DAY)]


def test_duplicate_emails_in_the_file_name_both_rows():
    data = (
        b"Name;E-mail;Unit\n"
        b"A;mette@example.dk;South\n"
        b"B;other@example.dk;South\n"
        b"C;METTE@Example.DK;North\n"
        b"D; mette@example.dk ;North\n"
    )
    result = parse(data)
    assert result.errors == [
        "Row 4: the e-mail address METTE@Example.DK also appears in row 2.",
        "Row 5: the e-mail address mette@example.dk also appears in row 2.",
    ]


def test_emails_already_in_the_programme():
    data = b"Name;E-mail;Unit\nA;Taken@Example.DK;South\nB;free@example.dk;South\n"
    result = parse(data, existing={"taken@example.dk"})
    assert result.errors == ["Row 2: Taken@Example.DK is already a participant in this programme."]


@pytest.mark.parametrize(
    "email",
    [
        "mette",
        "mette@",
        "@example.dk",
        "mette@@example.dk",
        "mette hansen@example.dk",
        "mette@example..dk",
    ],
)
def test_invalid_emails(email):
    result = parse(f"Name;E-mail;Unit\nA;{email};South\n".encode())
    assert result.errors == [f"Row 2: “{email}” is not a valid e-mail address."]
    assert result.rows == []


def test_overlong_email_and_name():
    email = "a" * 250 + "@example.dk"
    result = parse(f"Name;E-mail;Unit\n{'N' * 201};{email};South\n".encode())
    assert result.errors == [
        "Row 2: the name is longer than 200 characters.",
        f"Row 2: “{email[:80]}” is not a valid e-mail address.",
    ]


def test_empty_lines_are_skipped_and_rows_keep_spreadsheet_numbers():
    data = (
        b"Name;E-mail;Unit\r\n"  # 1
        b"\r\n"  # 2
        b"A;a@example.dk;South\r\n"  # 3
        b";;\r\n"  # 4: Excel's empty row
        b"   \r\n"  # 5
        b"B;broken;South\r\n"  # 6
        b"C;c@example.dk;West\r\n"  # 7
        b"D;d@example.dk;North\r\n"  # 8
        b"\r\n\r\n"
    )
    result = parse(data)
    assert [r.line for r in result.rows] == [3, 8]
    assert result.errors == [
        "Row 6: “broken” is not a valid e-mail address.",
        "Row 7: there is no unit “West”. Write the full path, as in “North / North Day”.",
    ]


@pytest.mark.parametrize(
    "data",
    [b"Name;E-mail;Unit", b"Name;E-mail;Unit\r\n", b"Name;E-mail;Unit\r\n\r\n;;\r\n  \r\n"],
)
def test_header_but_no_rows(data):
    assert parse(data).errors == [NO_ROWS]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\r\n\r\n",
        b"   \t \n",
        b"\xef\xbb\xbf",
        b"\xef\xbb\xbf\r\n",
        b"\xff\xfe",
        "\r\n".encode("utf-16"),
        b";;;\r\n;;\r\n",
        b'""',
        b";",
    ],
)
def test_empty_file(data):
    result = parse(data)
    assert result.errors == [EMPTY]
    assert result.rows == []


@pytest.mark.parametrize(
    "data",
    [
        b"Name;E-mail;Unit\nA\x00;a@example.dk;South\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml",
        b"\x00" * 64,
        "Name;E-mail;Unit\nA\x00B;a@example.dk;South\n".encode("utf-16"),
        "Name;E-mail;Unit\nA;a@example.dk;South\x00\n".encode("utf-16-be"),  # no BOM
    ],
    ids=["nul-in-utf8", "png", "xlsx", "zeros", "nul-in-utf16", "utf16-without-bom"],
)
def test_nul_bytes_and_binary_data(data):
    result = parse(data)
    assert result.errors == [BINARY]
    assert result.rows == []


@pytest.mark.parametrize(
    "data",
    [
        b"Name;E-mail;Unit\n\x81\x8d\x8f\x90\x9d;a@example.dk;South\n",
        b"\xef\xbb\xbfName;E-mail;Unit\n\xf8ster;a@example.dk;South\n",
        b"\xff\xfeN\x00a\x00m",  # UTF-16 cut in the middle of a character
        b"\xff\xfe\x00\xd8a\x00",  # UTF-16 lone surrogate
    ],
    ids=["undefined-in-cp1252", "bom-then-latin1", "odd-utf16", "utf16-surrogate"],
)
def test_bytes_that_are_not_text(data):
    result = parse(data)
    assert result.errors == [NOT_TEXT]


def test_enormous_cell_is_an_error_not_a_crash():
    data = b"Name;E-mail;Unit\n" + b"x" * 200_000 + b";a@example.dk;South\n"
    result = parse(data)
    assert len(result.errors) == 1
    assert result.errors[0].startswith("Row 2 could not be read")


# --- Size limits -----------------------------------------------------------------------


def test_ten_thousand_rows_are_accepted():
    result = parse(big_file(MAX_ROWS))
    assert result.errors == []
    assert len(result.rows) == MAX_ROWS
    assert result.rows[0].line == 2
    assert result.rows[-1].line == MAX_ROWS + 1
    assert len({r.email for r in result.rows}) == MAX_ROWS


def test_ten_thousand_rows_with_blank_lines_are_accepted():
    result = parse(big_file(MAX_ROWS, eol="\r\n\r\n"))
    assert result.errors == []
    assert result.rows[-1].line == 2 * MAX_ROWS + 1


def test_ten_thousand_and_one_rows_are_rejected_up_front():
    data = big_file(MAX_ROWS) + b"Extra;not-an-email;Nowhere\r\n"
    result = parse(data)
    assert result.errors == [TOO_MANY]
    assert result.rows == []


def test_five_megabytes_exactly_is_accepted():
    result = parse(padded_file(MAX_BYTES))
    assert result.errors == []
    assert len(result.rows) == 2000
    assert result.notices == ["These columns were ignored: Notes."]


def test_just_over_five_megabytes_is_rejected():
    result = parse(padded_file(MAX_BYTES + 1))
    assert result.errors == [TOO_BIG]
    assert result.rows == []


# --- Property tests --------------------------------------------------------------------

EXISTING = {"taken@example.dk"}


def assert_sane(result: ParseResult) -> None:
    assert isinstance(result, ParseResult)
    assert result.rows or result.errors
    assert all(isinstance(e, str) and e for e in result.errors)
    lines = [r.line for r in result.rows]
    assert lines == sorted(set(lines))
    assert all(line >= 2 for line in lines)
    assert {r.unit_id for r in result.rows} <= {NORTH, NORTH_DAY, SOUTH}
    emails = [r.email.casefold() for r in result.rows if r.email]
    assert len(emails) == len(set(emails))
    assert not set(emails) & EXISTING
    for row in result.rows:
        assert len(row.name) <= 200 and len(row.email) <= 254
        assert "\x00" not in row.name + row.email  # PostgreSQL refuses NUL in text


def parse_any(data: bytes) -> ParseResult:
    with translation.override("en"):
        return parse_participants(
            data, tree=tree(), existing_emails=EXISTING, max_bytes=MAX_BYTES, max_rows=50
        )


PROPERTY = hypothesis_settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY
@given(st.binary(max_size=2000))
def test_any_bytes_never_crash(data):
    assert_sane(parse_any(data))


@PROPERTY
@given(st.text(max_size=500), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_any_text_in_any_encoding_never_crashes(value, encoding):
    assert_sane(parse_any(value.encode(encoding, errors="replace")))


CELL = st.one_of(
    st.sampled_from(
        [
            "Navn",
            "Name",
            "E-mail",
            "E-post",
            "Enhed",
            "Unit",
            "North",
            "north / north day",
            " South ",
            "West",
            "",
            " ",
            "a@example.dk",
            "A@EXAMPLE.DK",
            "taken@example.dk",
            "not-an-email",
            "Søren Æbelø",
            '"',
            '""',
            "\x00",
            "\r\n",
            "x" * 210,
        ]
    ),
    st.text(max_size=12),
)


@st.composite
def csv_like(draw) -> bytes:
    sep = draw(st.sampled_from([";", ",", "\t"]))
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    header = draw(
        st.one_of(
            st.just(["Navn", "E-mail", "Enhed"]),
            st.just(["Name", "Unit"]),
            st.lists(CELL, max_size=5),
        )
    )
    rows = draw(st.lists(st.lists(CELL, max_size=5), max_size=12))

    def render(cells: list[str], quote: bool) -> str:
        if quote:
            cells = ['"' + c.replace('"', '""') + '"' for c in cells]
        return sep.join(cells)

    lines = [render(header, draw(st.booleans()))]
    lines += [render(row, draw(st.booleans())) for row in rows]
    body = eol.join(lines) + draw(st.sampled_from(["", eol]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return body.encode(encoding, errors="replace")


@PROPERTY
@given(csv_like())
def test_csv_like_files_never_crash(data):
    assert_sane(parse_any(data))


# --- Views: the happy path -------------------------------------------------------------


@pytest.mark.django_db
def test_upload_preview_then_confirm(facilitator_client, cast):
    programme = cast.programme
    before = Participant.objects.filter(programme=programme).count()
    data = (
        "Navn;E-mail;Enhed;Telefon\r\n"
        "Søren Æbelø;soren@example.dk;north / north day;1234\r\n"
        '"Hansen; Mette";METTE@example.dk;South;\r\n'
        ";;\r\n"
        "Åse;;North\r\n"
    ).encode("cp1252")

    response = upload(facilitator_client, programme, data, name="deltagere.csv")
    page = text(response)
    assert response.status_code == 200
    assert "3 participants are ready to import" in page
    assert "These columns were ignored: Telefon." in page
    assert "Søren Æbelø" in page and "Hansen; Mette" in page
    assert "North / North Day" in page
    assert Participant.objects.filter(programme=programme).count() == before
    staged = ParticipantImport.objects.get(pk=staged_id(response))
    assert staged.programme == programme and staged.created_by == cast.facilitator
    assert staged.filename == "deltagere.csv"
    assert import_audits(programme) == 0

    response = facilitator_client.post(confirm_url(programme), {"staged": staged.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("participants", args=[programme.pk])
    assert flashed(response) == ["3 participants have been imported."]
    assert Participant.objects.filter(programme=programme).count() == before + 3
    created = {
        (p.name, p.email, p.unit_id)
        for p in Participant.objects.filter(programme=programme, created_at__gte=staged.created_at)
    }
    assert created == {
        ("Søren Æbelø", "soren@example.dk", cast.units["North Day"].pk),
        ("Hansen; Mette", "METTE@example.dk", cast.units["South"].pk),
        ("Åse", "", cast.units["North"].pk),
    }
    assert not ParticipantImport.objects.filter(pk=staged.pk).exists()
    entry = AuditEntry.objects.get(programme_id=programme.pk, action="participant.import")
    assert entry.actor_id == cast.facilitator.pk
    assert entry.details == {"participants": 3}  # a number, no participant data
    assert entry.summary == ""
    assert "3 participants have been imported." in text(
        facilitator_client.get(response["Location"])
    )

    # A second confirm of the same staged import finds nothing to do.
    again = facilitator_client.post(confirm_url(programme), {"staged": staged.pk})
    assert again.status_code == 302
    assert flashed(again) == [EXPIRED]
    assert Participant.objects.filter(programme=programme).count() == before + 3
    assert import_audits(programme) == 1


@pytest.mark.django_db
def test_get_shows_the_upload_form(facilitator_client, cast):
    response = facilitator_client.get(import_url(cast.programme))
    assert response.status_code == 200
    assert 'type="file"' in response.content.decode()


@pytest.mark.django_db
def test_a_new_upload_replaces_the_previous_staged_import(facilitator_client, cast):
    first = stage(facilitator_client, cast, GOOD.encode())
    second = stage(facilitator_client, cast, GOOD.encode("utf-16"))
    assert first != second
    assert list(
        ParticipantImport.objects.filter(created_by=cast.facilitator).values_list("pk", flat=True)
    ) == [int(second)]
    before = snapshot()
    response = facilitator_client.post(confirm_url(cast.programme), {"staged": first})
    assert flashed(response) == [EXPIRED]
    assert snapshot() == before


@pytest.mark.django_db
def test_ten_thousand_rows_through_the_views(facilitator_client, cast):
    programme = cast.programme
    before = set(Participant.objects.filter(programme=programme).values_list("pk", flat=True))
    response = upload(facilitator_client, programme, big_file(MAX_ROWS))
    assert response.status_code == 200
    assert "10000 participants are ready to import" in text(response).replace(",", "").replace(
        ".", ""
    )
    assert Participant.objects.filter(programme=programme).count() == len(before)

    response = facilitator_client.post(confirm_url(programme), {"staged": staged_id(response)})
    assert response.status_code == 302
    new = Participant.objects.filter(programme=programme).exclude(pk__in=before)
    hashes = list(new.values_list("token_hash", flat=True))
    assert len(hashes) == MAX_ROWS
    assert len(set(hashes)) == MAX_ROWS
    assert all(len(h) == 64 and re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)
    assert new.filter(unit=cast.units["North Day"]).count() == MAX_ROWS // 3
    assert not ParticipantImport.objects.exists()
    assert import_audits(programme) == 1


# --- Views: bad files ------------------------------------------------------------------


def existing_email_file(cast) -> bytes:
    email = Participant.objects.filter(programme=cast.programme).first().email
    return f"Name;E-mail;Unit\nA;{email.upper()};South\n".encode()


BAD_FILES = [
    pytest.param(lambda cast: b"Navn;E-mail\nA;a@example.dk\n", NO_UNIT_COLUMN, id="no-unit-col"),
    pytest.param(
        lambda cast: b"Name;E-mail;Unit\nA;a@example.dk;South\nB;b@example.dk;West\n",
        "Row 3: there is no unit “West”.",
        id="unknown-unit",
    ),
    pytest.param(
        lambda cast: b"Name;E-mail;Unit\nA;a@example.dk;South;x\n",
        "Row 2 has 4 columns, but the header has 3.",
        id="too-many-fields",
    ),
    pytest.param(
        lambda cast: b"Name;E-mail;Unit\nA;a@example.dk;South\n\nB;A@example.dk;North\n",
        "Row 4: the e-mail address A@example.dk also appears in row 2.",
        id="duplicate-email",
    ),
    pytest.param(
        existing_email_file, "is already a participant in this programme.", id="existing-email"
    ),
    pytest.param(
        lambda cast: b"Name;E-mail;Unit\nA;mette@;South\n",
        "Row 2: “mette@” is not a valid e-mail address.",
        id="invalid-email",
    ),
    pytest.param(lambda cast: b"Name;E-mail;Unit\r\n", NO_ROWS, id="header-only"),
    pytest.param(lambda cast: b"\r\n\r\n", EMPTY, id="blank-lines-only"),
    pytest.param(lambda cast: b"", "The submitted file is empty.", id="zero-bytes"),
    pytest.param(lambda cast: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", BINARY, id="png"),
    pytest.param(
        lambda cast: "Name;E-mail;Unit\nA\x00;a@example.dk;South\n".encode("utf-16"),
        BINARY,
        id="nul-in-utf16",
    ),
    pytest.param(
        lambda cast: b"Name;E-mail;Unit\n\x81\x8d;a@b.dk;South\n", NOT_TEXT, id="not-text"
    ),
    pytest.param(lambda cast: big_file(MAX_ROWS + 1), TOO_MANY, id="10001-rows"),
    pytest.param(lambda cast: padded_file(MAX_BYTES + 1), TOO_BIG, id="over-5-mb"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("make", "message"), BAD_FILES)
def test_bad_file_changes_nothing(facilitator_client, cast, make, message):
    # An earlier good upload stays staged: a bad file must not discard it either.
    stage(facilitator_client, cast, GOOD.encode())
    data = make(cast)
    before = snapshot()
    response = upload(facilitator_client, cast.programme, data)
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert 'name="staged"' not in page
    assert snapshot() == before


@pytest.mark.django_db
def test_post_without_a_file(facilitator_client, cast):
    before = snapshot()
    # What a browser sends when no file was chosen: the form's other fields only.
    response = facilitator_client.post(import_url(cast.programme), {"csrfmiddlewaretoken": "x"})
    assert response.status_code == 422
    assert "This field is required." in text(response)
    assert snapshot() == before


@pytest.mark.django_db
def test_emails_of_other_programmes_do_not_count(facilitator_client, cast):
    ParticipantFactory(
        programme=cast.other_programme,
        unit=Unit.objects.get(programme=cast.other_programme),
        email="shared@example.dk",
    )
    response = upload(
        facilitator_client, cast.programme, b"Name;E-mail;Unit\nA;shared@example.dk;South\n"
    )
    assert response.status_code == 200


# --- Views: stale or foreign confirmations ---------------------------------------------


@pytest.mark.django_db
def test_confirm_after_a_unit_was_deleted(facilitator_client, cast):
    east = UnitFactory(programme=cast.programme, name="East")
    staged = stage(
        facilitator_client,
        cast,
        b"Name;E-mail;Unit\nA;a@example.dk;South\nB;b@example.dk;east\n",
    )
    east.delete()
    before = snapshot()
    response = facilitator_client.post(confirm_url(cast.programme), {"staged": staged})
    assert response.status_code == 302
    assert response["Location"] == import_url(cast.programme)
    assert flashed(response) == [STALE]
    assert snapshot() == before
    assert import_audits(cast.programme) == 0


@pytest.mark.django_db
def test_confirm_after_an_email_was_taken(facilitator_client, cast):
    staged = stage(
        facilitator_client,
        cast,
        b"Name;E-mail;Unit\nA;a@example.dk;South\nB;mette@example.dk;North\n",
    )
    ParticipantFactory(programme=cast.programme, unit=cast.units["South"], email="Mette@Example.dk")
    before = snapshot()
    response = facilitator_client.post(confirm_url(cast.programme), {"staged": staged})
    assert response.status_code == 302
    assert flashed(response) == [STALE]
    assert snapshot() == before
    assert import_audits(cast.programme) == 0

    # Shown on the page the user is sent back to.
    follow = facilitator_client.get(response["Location"])
    assert STALE in text(follow)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    [None, "", "abc", "0", "-1", "1.5", " 1", "1e3", "²", "99999999999999999999999"],
)
def test_confirm_with_garbage_staged_id(facilitator_client, cast, value):
    stage(facilitator_client, cast, GOOD.encode())
    before = snapshot()
    response = facilitator_client.post(
        confirm_url(cast.programme), {} if value is None else {"staged": value}
    )
    assert response.status_code == 302
    assert response["Location"] == import_url(cast.programme)
    assert flashed(response) == [EXPIRED]
    assert snapshot() == before


@pytest.mark.django_db
def test_confirm_someone_elses_staged_import(client, cast):
    client.force_login(cast.colleague)
    colleagues = staged_id(upload(client, cast.programme, GOOD.encode()))
    client.force_login(cast.outsider)
    outsiders = staged_id(
        upload(client, cast.other_programme, b"Name;E-mail;Unit\nA;a@example.dk;Elsewhere\n")
    )
    client.force_login(cast.facilitator)
    before = snapshot()
    for staged in (colleagues, outsiders):
        response = client.post(confirm_url(cast.programme), {"staged": staged})
        assert response.status_code == 302
        assert EXPIRED in text(client.get(response["Location"]))
    assert snapshot() == before
    assert ParticipantImport.objects.count() == 2


# --- Views: access -----------------------------------------------------------------------


@pytest.mark.django_db
def test_outsider_gets_404_on_both_urls(facilitator_client, client, cast):
    staged = stage(facilitator_client, cast, GOOD.encode())
    client.force_login(cast.outsider)
    before = snapshot()
    assert client.get(import_url(cast.programme)).status_code == 404
    assert upload(client, cast.programme, GOOD.encode()).status_code == 404
    assert client.post(confirm_url(cast.programme), {"staged": staged}).status_code == 404
    assert snapshot() == before


@pytest.mark.django_db
def test_get_on_confirm_is_not_allowed(facilitator_client, cast):
    staged = stage(facilitator_client, cast, GOOD.encode())
    before = snapshot()
    response = facilitator_client.get(confirm_url(cast.programme), {"staged": staged})
    assert response.status_code == 405
    assert snapshot() == before


# --- Views: language ---------------------------------------------------------------------


def danish_catalogue_translates(msgid: str) -> bool:
    mo = Path(django_settings.BASE_DIR) / "locale" / "da" / "LC_MESSAGES" / "django.mo"
    if not mo.exists():
        return False
    with mo.open("rb") as handle:
        catalogue = gnu_gettext.GNUTranslations(handle)
    return catalogue.gettext(msgid) != msgid


@pytest.mark.django_db
def test_errors_in_the_users_language(facilitator_client, cast):
    before = snapshot()
    # LocaleMiddleware leaves the request's language active in the thread; put it back after.
    with translation.override(translation.get_language()):
        response = upload(
            facilitator_client,
            cast.programme,
            b"Navn;E-mail;Enhed\nA;a@example.dk;\n",
            HTTP_ACCEPT_LANGUAGE="da",
        )
    assert response.status_code == 422
    page = text(response)
    assert '<html lang="da">' in page
    assert snapshot() == before
    english = UNIT_MISSING % {"row": 2}
    if danish_catalogue_translates(UNIT_MISSING):
        with translation.override("da"):
            danish = translation.gettext(UNIT_MISSING) % {"row": 2}
        assert danish != english
        assert danish in page
        assert english not in page
    else:
        assert english in page
