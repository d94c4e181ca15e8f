"""The report as a document, read back with pypdf: the bundled font embedded and used for
the Danish and Swedish letters, PDF/UA-1, and names full of markup, URLs and overlong
words that stay literal text on the page, with nothing fetched but data: and static URLs."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import BooleanObject, DictionaryObject

from actionplans import services as plans
from programmes import pdf
from programmes.models import Programme
from tests.seminars.test_documentation import documented  # noqa: F401 (a fixture)
from tests.surveys.test_results_dashboard import two_rounds  # noqa: F401 (a fixture)

LETTERS = "æøå ÆØÅ äö ÄÖ"
BUNDLED = re.compile(r"^/[A-Z]{6}\+Noto-Sans-Bundled(-Bold)?(-Italic)?$")
FONT_FILES = [
    f"fonts/noto-sans-{subset}-{weight}-{style}.woff"
    for subset in ("latin", "latin-ext")
    for weight in (400, 700)
    for style in ("normal", "italic")
]
IMG = '<img src="file:///etc/passwd">'
SCRIPT = "<script>alert(1)</script>"
LINK = '<link rel=stylesheet href="http://127.0.0.1:1/x.css">'
# Words without a space, as long as each field allows: 300 characters for an action.
WORD_300 = ("abcdefghijklmnopqrstuvwxyzæøå" * 11)[:300]
WORD_130 = ("Langtordutenmellanrumåäö" * 6)[:130]
WORD_120 = ("Enhedsnavnudenmellemrum" * 6)[:120]
MARGIN = 16 * 72 / 25.4  # report.css: 16 mm to the left and right


# --- Reading the PDF --------------------------------------------------------------------


class Recorder:
    """Wraps the safe fetcher and records every URL WeasyPrint asks for, served or refused."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.served: list[str] = []
        recorder = self

        class Recording(pdf.SafeURLFetcher):
            def fetch(self, url, headers=None):
                recorder.asked.append(url)
                response = super().fetch(url, headers)
                recorder.served.append(url)
                return response

        self.fetcher_class = Recording


@pytest.fixture
def recorder(monkeypatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(pdf, "SafeURLFetcher", recorder.fetcher_class)
    return recorder


def report_pdf(programme: Programme, user) -> PdfReader:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("report_pdf", args=[programme.pk]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def fonts_in(reader: PdfReader) -> dict[str, DictionaryObject]:
    """Every font the pages use, by /BaseFont, with the descriptor that holds its program:
    page resources, form XObjects inside them (the charts), and Type0 descendant fonts."""
    fonts: dict[str, DictionaryObject] = {}
    seen: set[int] = set()

    def walk(resources) -> None:
        resources = resources.get_object() if resources is not None else None
        if not resources or id(resources) in seen:
            return
        seen.add(id(resources))
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            fonts[str(font["/BaseFont"])] = described["/FontDescriptor"].get_object()
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                walk(xobject.get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
    return fonts


@dataclass
class Run:
    """A piece of text as drawn: where it starts (PDF points) and how wide it is."""

    text: str
    font: str
    x: float
    width: float


def text_runs(reader: PdfReader) -> list[tuple[int, Run]]:
    """The text runs drawn in the bundled font, measured with the embedded font's advances."""
    programs = {
        name: TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
        for name, descriptor in fonts_in(reader).items()
        if BUNDLED.match(name) and "/FontFile2" in descriptor
    }
    runs: list[tuple[int, Run]] = []
    for number, page in enumerate(reader.pages):

        def visit(text, cm, tm, font, size, number=number):
            name = str(font.get("/BaseFont")) if font else ""
            if not text.strip() or name not in programs:
                return
            program = programs[name]
            cmap, metrics = program.getBestCmap(), program["hmtx"].metrics
            em = program["head"].unitsPerEm
            advance = sum(metrics[cmap[ord(c)]][0] if ord(c) in cmap else em * 0.6 for c in text)
            scale = tm[0] * cm[0]
            runs.append(
                (number, Run(text, name, tm[4] * cm[0] + cm[4], advance / em * size * scale))
            )

        page.extract_text(visitor_text=visit)
    return runs


# --- The font ---------------------------------------------------------------------------

NAMES = {
    "da": ("Trivsel på tværs " + LETTERS, "Ærø Kommune " + LETTERS, "Østre Ålegård " + LETTERS),
    "sv": (
        "Välmående på jobbet " + LETTERS,
        "Östra Göinge " + LETTERS,
        "Förskolan Ängen " + LETTERS,
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["da", "sv"])
def test_the_bundled_font_is_embedded_and_keeps_the_nordic_letters(
    cast,
    two_rounds,  # noqa: F811
    recorder,
    language,
):
    title, organisation, unit = NAMES[language]
    programme = cast.programme
    programme.title, programme.organisation, programme.language = title, organisation, language
    programme.save()
    cast.units["South"].name = unit
    cast.units["South"].save()

    reader = report_pdf(programme, cast.manager)

    fonts = fonts_in(reader)
    for name, descriptor in fonts.items():
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), f"{name} not embedded"
    used = {BUNDLED.match(name)[0].split("+")[1] for name in fonts if BUNDLED.match(name)}
    assert {"Noto-Sans-Bundled", "Noto-Sans-Bundled-Bold", "Noto-Sans-Bundled-Italic"} <= used
    for descriptor in (fonts[name] for name in fonts if BUNDLED.match(name)):
        program = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
        assert program["name"].getDebugName(1) == "Noto Sans"  # the program, not only a label
    static = f"{settings.SITE_URL}{settings.STATIC_URL}"
    assert {f"{static}{name}" for name in FONT_FILES} <= set(recorder.served)

    text = text_of(reader)
    flat = " ".join(text.split())
    for name in (title, organisation, unit):
        assert name in flat, name
    assert flat.count(LETTERS) >= 4  # the cover's title and organisation, the unit's rows
    assert "\u030a" not in text and "\u0308" not in text  # no letter split into base + accent
    runs = [run for _page, run in text_runs(reader) if LETTERS in run.text]
    assert runs and all(BUNDLED.match(run.font) for run in runs)


@pytest.mark.django_db
def test_every_font_in_the_report_is_the_bundled_one(cast, two_rounds):  # noqa: F811
    fonts = fonts_in(report_pdf(cast.programme, cast.manager))
    assert fonts and all(BUNDLED.match(name) for name in fonts), sorted(fonts)


# --- PDF/UA-1 ---------------------------------------------------------------------------


def structure_elements(reader: PdfReader) -> list[DictionaryObject]:
    """Every element of the document's structure tree (its tags), depth first."""
    found, stack = [], [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop().get_object()
        if not isinstance(node, DictionaryObject):
            continue  # a marked-content id: the page content itself
        if "/S" in node:
            found.append(node)
        kids = node.get("/K")
        kids = kids.get_object() if kids is not None else []
        stack.extend(kids if isinstance(kids, list) else [kids])
    return found


def assert_pdf_ua_1(reader: PdfReader, *, language: str, title_part: str) -> int:
    """Check what PDF/UA-1 asks that pypdf can read; returns the number of figures."""
    assert reader.pdf_header == "%PDF-1.7"
    root = reader.trailer["/Root"]
    xmp = ElementTree.fromstring(
        re.search(rb"<rdf:RDF.*</rdf:RDF>", root["/Metadata"].get_object().get_data(), re.S)[0]
    )
    namespace = {
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "dc": "http://purl.org/dc/elements/1.1/",
    }
    parts = [
        description.get("{http://www.aiim.org/pdfua/ns/id/}part")
        for description in xmp.iterfind("rdf:Description", namespace)
    ]
    assert "1" in parts, parts
    xmp_titles = [li.text for li in xmp.iterfind(".//dc:title/rdf:Alt/rdf:li", namespace)]
    assert any(title_part in title for title in xmp_titles), xmp_titles
    assert title_part in reader.metadata.title
    assert root["/Lang"] == language
    assert root["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert "/StructTreeRoot" in root
    # Viewers show the title, not the file name (PDF/UA-1 7.1).
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)
    # Every figure (a chart, the logo, a QR code) has a text alternative (PDF/UA-1 7.3). The
    # link slips' QR codes had none until their SVG got a <title>.
    figures = [node for node in structure_elements(reader) if node["/S"] == "/Figure"]
    assert all(str(node.get("/Alt", "")).strip() for node in figures), [
        dict(node) for node in figures if not node.get("/Alt")
    ]
    # Lists hold list items only, and list items sit in lists (Matterhorn 16): WeasyPrint
    # tagged a nested <ul> as the outer list's child, and a <dl>'s <div> as a block in it.
    elements = structure_elements(reader)
    items_outside = [n for n in elements if n["/S"] == "/LI" and n["/P"]["/S"] != "/L"]
    assert not items_outside, f"{len(items_outside)} list items outside a list"
    in_lists = [n["/S"] for n in elements if n["/P"].get("/S") == "/L"]
    assert set(in_lists) <= {"/LI", "/Caption"}, sorted(set(in_lists))
    # Every header cell labels some cell (outloud's TBL-002). WeasyPrint ties each data cell
    # to its headers (/Headers) and no header cell to another, so a column header over row
    # headers (a table's top-left cell) labelled nothing until it became a <td>.
    referenced = {
        str(header)
        for node in elements
        if node["/S"] == "/TD"
        for header in attributes_of(node).get("/Headers", [])
    }
    unused = [
        str(node.get("/ID"))
        for node in elements
        if node["/S"] == "/TH"
        and str(node.get("/ID")) not in referenced
        and "/Scope" not in attributes_of(node)
    ]
    assert not unused, f"{len(unused)} header cells label nothing: {unused}"
    return len(figures)


def attributes_of(node: DictionaryObject) -> dict:
    """A structure element's attributes (/A: one dictionary, or a list of them), merged."""
    found = node.get("/A")
    found = found.get_object() if found is not None else {}
    merged: dict = {}
    for attributes in found if isinstance(found, list) else [found]:
        merged.update(attributes.get_object())
    return merged


@pytest.mark.django_db
def test_the_report_is_pdf_ua_1(cast, two_rounds, caplog):  # noqa: F811
    cast.programme.language = "sv"
    cast.programme.save()
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        reader = report_pdf(cast.programme, cast.manager)
    assert_pdf_ua_1(reader, language="sv", title_part=cast.programme.title)
    assert not [r for r in caplog.records if r.name.startswith("weasyprint")], caplog.text


@pytest.mark.django_db
def test_the_link_slips_and_the_documentation_are_pdf_ua_1_too(cast, documented, caplog):  # noqa: F811
    facilitator = Client()
    facilitator.force_login(cast.facilitator)
    manager = Client()
    manager.force_login(cast.manager)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        slips = facilitator.post(
            reverse("participant_links", args=[cast.programme.pk]),
            {"scope": "all", "format": "pdf"},
        )
        documentation = manager.get(
            reverse("seminar_documentation_pdf", args=[cast.programme.pk, documented.pk])
        )
    assert slips.status_code == documentation.status_code == 200
    slips_pdf = PdfReader(io.BytesIO(slips.content))
    figures = assert_pdf_ua_1(slips_pdf, language="en", title_part=cast.programme.title)
    assert figures == cast.programme.participants.count()  # a QR code on each slip
    assert_pdf_ua_1(
        PdfReader(io.BytesIO(documentation.content)), language="en", title_part=documented.title
    )
    assert not [r for r in caplog.records if r.name.startswith("weasyprint")], caplog.text


# --- Bad input in names -----------------------------------------------------------------


@pytest.mark.django_db
def test_names_with_markup_urls_and_long_words_stay_text_on_the_page(
    cast,
    two_rounds,  # noqa: F811
    recorder,
):
    programme = cast.programme
    programme.title = f"{IMG} {SCRIPT} {WORD_130}"
    programme.organisation = f"{LINK} file:///etc/passwd"
    programme.save()
    names = {"North": f"{SCRIPT} file:///etc/passwd", "North Day": WORD_120, "South": IMG}
    for unit, name in names.items():
        cast.units[unit].name = name
        cast.units[unit].save()
    plan = plans.create_plan(request=None, programme=programme, title=LINK)
    plans.add_action(request=None, plan=plan, text=WORD_300)

    reader = report_pdf(programme, cast.manager)

    text = text_of(reader)
    for literal in (IMG, SCRIPT, LINK, "file:///etc/passwd", WORD_300, WORD_130, WORD_120):
        assert squeezed(literal) in squeezed(text), literal[:40]  # shown, line breaks aside
    assert "root:" not in text
    static = f"{settings.SITE_URL}{settings.STATIC_URL}"
    assert recorder.asked == recorder.served  # nothing asked for was refused...
    assert all(url.startswith(("data:", static)) for url in recorder.asked)  # ...or foreign
    assert f"{static}css/report.css" in recorder.served

    runs = text_runs(reader)
    for word in (WORD_300, WORD_130, WORD_120):
        pieces = [(number, run) for number, run in runs if len(run.text) > 2 and run.text in word]
        assert len(pieces) >= 2, f"{word[:20]}… was not broken into lines"
        for number, run in pieces:
            right = reader.pages[number].mediabox.width - MARGIN
            assert run.x >= MARGIN - 1 and run.x + run.width <= right + 1, (
                f"{run.text[:20]}… runs from {run.x:.0f} to {run.x + run.width:.0f} pt, "
                f"past the text area ({MARGIN:.0f}-{right:.0f} pt)"
            )
