"""The corpus of tests/xss_corpus.py in the outputs that leave the browser (QUALITY I-3,
P-1): the PDFs show payloads as text and fetch nothing, and the spreadsheets run no formula.

- Every text column of the app's models is either in the corpus or says why no payload can
  reach it, so a new field is tested the day it is added.
- The manager's report, a seminar's documentation and the printed link slips are made
  from the demo with every typed text replaced by payloads, and read back with pypdf: the
  markup is there as characters, and WeasyPrint asked the app's fetcher for nothing but
  `data:` URLs and our static files (an `<img src=x>` read as markup would have asked for
  `SITE_URL/x`).
- The results CSV and XLSX, the plans CSV and every CSV of the programme export: no text
  cell begins with =, +, -, @, a tab or a carriage return, no XLSX cell is a formula, and
  each file neutralised some (every stored text begins with a formula).

How we know they can fail: before `programmes.spreadsheet.safe_cell` was applied to the
programme export's CSV files, the export test failed on programmes_programme.csv, whose
organisation and title cells began with `+1+cmd|'/C calc'!A0`, `-1+...`, `@SUM(9)...` and a
tab. With `{{ report.programme.title|safe }}` in templates/pdf/report.html the PDF test
failed: WeasyPrint asked the fetcher for http://127.0.0.1:8000/x (the title's `<img src=x>`).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from programmes import export, pdf
from programmes.models import Programme, User
from programmes.spreadsheet import FORMULA_STARTS
from seminars.models import Seminar
from surveys import charts
from tests import xss_corpus


def test_every_text_column_is_in_the_corpus_or_says_why_not():
    listed = {(app, model, name) for app, model, name in xss_corpus.TEXT_FIELDS}
    listed |= {(app, model, name) for app, model, name in xss_corpus.TEXT_JSON}
    columns = xss_corpus.text_columns()
    unaccounted = [
        f"{app}.{model}.{name}"
        for app, model, name, _field in columns
        if (app, model, name) not in listed and name not in xss_corpus.NOT_TYPED
    ]
    assert not unaccounted, f"add to TEXT_FIELDS, or to NOT_TYPED with a reason: {unaccounted}"
    known = {(app, model, name) for app, model, name, _field in columns}
    assert listed <= known, listed - known  # no stale entry either
    print(f"{len(columns)} text columns: {len(listed)} carry payloads, the rest say why not")


def test_the_corpus_has_every_kind_of_payload_and_each_fits_the_shortest_field():
    payloads = xss_corpus.PAYLOADS
    markers = [xss_corpus.marker(payload) for payload in payloads]
    assert len(payloads) >= 30 and len(set(markers)) == len(payloads)
    for needle in ("<script", "onerror=", "javascript:", "hx-get", "hx-on:", "hx-on::load",
                   "</style>", "</textarea>", '">', "'-alert(", "{{7*7}}", "data:", "expression(",
                   "](javascript:", "\u202e"):  # fmt: skip
        assert any(needle in payload for payload in payloads), needle
    longest = max(map(len, xss_corpus.FORMULAS)) + 1 + max(map(len, xss_corpus.HTML_PAYLOADS))
    assert longest <= xss_corpus.SHORTEST_FIELD
    assert {p[0] for p in xss_corpus.FORMULAS} == set(FORMULA_STARTS)


def test_chart_labels_reach_plotly_as_text():
    """Plotly draws `<a href>` in a label as a live link; our labels arrive as entities.
    (Without `charts.plain` the browser test found the link on the results page.)"""
    link = '<a href="https://x.example/xss57">x</a> & <b>'
    shown = '&lt;a href="https://x.example/xss57"&gt;x&lt;/a&gt; &amp; &lt;b&gt;'
    values = [{"mean": 50.0, "ci_low": 40.0, "ci_high": 60.0, "n": 9}]
    bars = charts.before_after([link], [{"name": link, "values": values}], language="da")
    trace = bars["data"][0]
    assert trace["name"] == shown and trace["x"] == [shown]
    assert trace["hovertemplate"].endswith("<extra>" + shown + "</extra>")
    line = charts.trend([link], [{"name": link, "values": [50.0]}], [{"position": 0, "text": link}],
                        language="sv")  # fmt: skip
    assert line["data"][0]["name"] == shown and line["data"][0]["x"] == [shown]
    assert line["layout"]["annotations"][0]["text"] == charts.plain(link[:40])


@pytest.fixture
def stored(db):
    """The demo in every format, then payloads in every typed text."""
    call_command("demo", stdout=io.StringIO())
    programme = Programme.objects.get(template=Programme.Template.FOUR_SEMINARS)
    xss_corpus.store_everywhere()
    return programme


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    text = "\n".join(page.extract_text() for page in pages).replace("\x00", "")  # UTF-16 fonts
    return re.sub(r"\s+", " ", text)


def test_the_pdfs_show_payloads_as_text_and_fetch_nothing_but_our_files(stored, monkeypatch):
    asked: list[str] = []
    fetch = pdf.SafeURLFetcher.fetch

    def recording(self, url, headers=None):
        asked.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(pdf.SafeURLFetcher, "fetch", recording)
    programme = stored
    first = Seminar.objects.get(programme=programme, number=1)
    facilitator = signed_in("facilitator")
    someone = programme.participants.order_by("pk").first()
    # The team manager's report and one person's slip: the whole programme's report, with a
    # payload-long text in every cell, takes WeasyPrint half a minute to break into lines.
    documents = {
        "report": signed_in("teamleader").get(reverse("report_pdf", args=[programme.pk])),
        "documentation": facilitator.get(
            reverse("seminar_documentation_pdf", args=[programme.pk, first.pk])
        ),
        "link slip": facilitator.post(
            reverse("participant_links", args=[programme.pk]),
            {"scope": str(someone.pk), "format": "pdf"},
        ),
    }
    static = settings.SITE_URL + settings.STATIC_URL
    for name, response in documents.items():
        assert response.status_code == 200, name
        assert response["Content-Type"] == "application/pdf", name
        text = pdf_text(response.content)
        markers = set(xss_corpus.MARKER.findall(text))
        # Markup arrives as characters: a tag, a handler and a script URL read as text.
        for literal in ("<img src=x id=xss", "onerror=alert(", "<script", "javascript:alert("):
            assert literal in text, (name, literal)
        print(f"{name}: {len(markers)} payloads shown as text")
        assert len(markers) >= 5, (name, sorted(markers))
    outside = [url for url in asked if not url.startswith(("data:", static))]
    assert not outside, outside
    assert any(url.startswith(static) for url in asked)  # the recorder saw the stylesheets
    print(f"{len(asked)} fetches, all data: or {static}")


def text_cells(rows) -> list[str]:
    return [cell for row in rows for cell in row if isinstance(cell, str) and cell]


def check_cells(name: str, cells: list[str]) -> set[str]:
    """No cell runs as a formula; returns the formula starts that were neutralised."""
    running = [cell[:40] for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert not running, (name, running)
    return {cell[1] for cell in cells if cell[:1] == "'" and cell[1:2] in FORMULA_STARTS}


def test_no_export_cell_runs_as_a_formula(stored):
    programme = stored
    facilitator = signed_in("facilitator")
    neutralised: dict[str, set[str]] = {}

    results = facilitator.get(reverse("results_export", args=[programme.pk, "csv"]))
    plans = facilitator.get(reverse("plans_export", args=[programme.pk]))
    for name, response in (("results.csv", results), ("plans.csv", plans)):
        assert response.status_code == 200, name
        rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
        neutralised[name] = check_cells(name, text_cells(rows))

    xlsx = facilitator.get(reverse("results_export", args=[programme.pk, "xlsx"]))
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    formulas = [
        cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"
    ]
    assert not formulas, formulas
    neutralised["results.xlsx"] = check_cells("results.xlsx", text_cells(sheet.values))

    out = io.BytesIO()  # the view adds the report's PDF, which the test above reads
    export.write(programme, out)
    archive = zipfile.ZipFile(out)
    everything: set[str] = set()
    for name in archive.namelist():
        if name.endswith(".csv"):
            rows = csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig")))
            everything |= check_cells(name, text_cells(rows))
    neutralised["export.zip"] = everything

    for name, starts in neutralised.items():
        print(f"{name}: neutralised cells beginning with {sorted(starts)}")
        assert starts, f"{name} had no formula to neutralise: the check saw nothing"
    assert everything == set(FORMULA_STARTS)  # every kind went through the export
