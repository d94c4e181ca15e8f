"""Printed personal links: the slips page, the PDF made by the issuing POST, and the
safe URL fetcher every PDF goes through."""

from __future__ import annotations

import io
import math
import re
import socket
import threading
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from pypdf import PdfReader

from programmes import pdf
from programmes.models import AuditEntry, Participant, hash_token
from programmes.views import SLIPS_PER_SHEET, TOKEN_GROUP
from tests.factories import ParticipantFactory

TOKEN_URL = re.compile(r"(https?://[^\s]+?/p/([A-Za-z0-9_-]{43})/)")
DISPOSITION = re.compile(r"attachment; filename=\"([a-z0-9-]+\.pdf)\"; filename\*=UTF-8''(\S+)")
PAYLOADS = [
    '<img src="file:///etc/passwd">',
    '<img src="http://127.0.0.1:9/x">',
    "<style>body { background: url(file:///etc/passwd) }</style>",
]


def issue(client, programme, **data):
    return client.post(reverse("participant_links", args=[programme.pk]), {"scope": "all", **data})


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def flat(text: str) -> str:
    """Whitespace (line breaks, thin spaces) folded to one space."""
    return re.sub(r"\s+", " ", text)


def grouped(token: str) -> str:
    typed = token + "/"
    return " ".join(typed[i : i + TOKEN_GROUP] for i in range(0, len(typed), TOKEN_GROUP))


def bundled_fonts() -> list[str]:
    """The font files print.css names, as the fetcher is asked for them."""
    with open(finders.find("css/print.css"), encoding="utf-8") as css:
        names = re.findall(r"url\(\.\./(fonts/[^)]+)\)", css.read())
    return [f"{settings.SITE_URL}{settings.STATIC_URL}{name}" for name in names]


def links_in(text: str) -> list[tuple[str, str]]:
    """Every full link in a text whose token was printed in groups (spaces removed)."""
    return TOKEN_URL.findall(re.sub(r"\s+", "", text))


# --- The PDF ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_issuing_post_returns_the_slips_as_a_pdf(client, cast):
    ParticipantFactory.create_batch(3, unit=cast.units["South"], programme=cast.programme)
    count = cast.programme.participants.count()  # 9: two sheets
    client.force_login(cast.facilitator)

    response = issue(client, cast.programme, format="pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; ")
    assert "no-store" in response["Cache-Control"]
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == math.ceil(count / SLIPS_PER_SHEET) == 2
    text = pdf_text(response.content)
    assert flat(text).count(cast.programme.title) == count
    found = links_in(text)
    assert len(found) == count
    assert {hash_token(token) for _url, token in found} == set(
        cast.programme.participants.values_list("token_hash", flat=True)
    )
    for url, token in found:
        assert url == f"{settings.SITE_URL}/p/{token}/"
        assert grouped(token) in flat(text)  # printed in groups for reading
    for participant in cast.programme.participants.all():
        assert participant.name in text
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["participant.issue_links"]


@pytest.mark.django_db
def test_tokens_break_between_groups_only(client, cast, monkeypatch):
    """'-' and '_' are token characters: a printed line never breaks inside a group."""
    from programmes import models

    serial = iter(range(100))

    def hyphenated() -> tuple[str, str]:
        token = f"a-b_c-d-{next(serial):02d}" + "-x-y_z" * 5 + "-xy"  # 43 characters
        return token, hash_token(token)

    monkeypatch.setattr(models, "new_token", hyphenated)
    client.force_login(cast.facilitator)
    text = pdf_text(issue(client, cast.programme, format="pdf").content)
    tokens = [token for _url, token in links_in(text)]
    assert len(tokens) == cast.programme.participants.count()
    assert all(grouped(token) in flat(text) for token in tokens)


@pytest.mark.django_db
def test_the_links_in_the_pdf_open_the_participant_flow(client, cast):
    client.force_login(cast.facilitator)
    response = issue(client, cast.programme, format="pdf")
    found = links_in(pdf_text(response.content))
    assert found
    for url, _token in found:
        participant_client = client.__class__()
        opened = participant_client.get(url.removeprefix(settings.SITE_URL))
        assert opened.status_code == 302
        assert opened["Location"] == reverse("participant_home")
        assert participant_client.get(opened["Location"]).status_code == 200


@pytest.mark.django_db
def test_pdf_is_tagged_titled_and_in_the_programme_language(client, cast):
    cast.programme.language = "da"
    cast.programme.save()
    client.force_login(cast.facilitator)
    reader = PdfReader(io.BytesIO(issue(client, cast.programme, format="pdf").content))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "da"
    assert "/StructTreeRoot" in catalog
    assert "/MarkInfo" in catalog
    assert cast.programme.title in reader.metadata.title


@pytest.mark.django_db
def test_pdf_filename_is_safe_for_any_programme_title(client, cast):
    cast.programme.title = 'Ældre "plejen" / ../ Åre; Øst \\ Väst\r\nx'
    cast.programme.save()
    client.force_login(cast.facilitator)
    header = issue(client, cast.programme, format="pdf")["Content-Disposition"]
    assert header.isascii()
    plain = re.fullmatch(DISPOSITION, header)
    assert plain, header
    assert plain[1] == "personal-links-aeldre-plejen-are-oest-vast-x.pdf"
    assert unquote(plain[2]) == "personal-links-ældre-plejen-åre-øst-väst-x.pdf"


@pytest.mark.django_db
def test_slips_pdf_only_for_the_programmes_own_facilitators(client, cast):
    before = dict(cast.programme.participants.values_list("pk", "token_hash"))
    for user in (cast.outsider, cast.manager):
        client.force_login(user)
        assert issue(client, cast.programme, format="pdf").status_code == 404
    client.logout()
    assert issue(client, cast.programme, format="pdf").status_code == 302  # to the login
    assert dict(cast.programme.participants.values_list("pk", "token_hash")) == before
    assert not AuditEntry.objects.exists()


# --- The printable page ------------------------------------------------------------------


@pytest.mark.django_db
def test_slips_page_has_a_slip_per_participant(client, cast):
    client.force_login(cast.facilitator)
    response = issue(client, cast.programme)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    count = cast.programme.participants.count()
    assert html.count('<article class="slip">') == count
    assert html.count('class="slip-qr-code"') == count
    assert html.count('<div class="slip-sheet">') == math.ceil(count / SLIPS_PER_SHEET)
    assert "css/print.css" in html and "js/print.js" in html
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html)  # CSP: no inline script
    for participant in cast.programme.participants.all():
        assert participant.name in html
    tokens = re.findall(r'<span class="slip-token">(.+?)</span></p>', html)
    typed = [re.sub(r"<[^>]+>|&#8201;", "", token) for token in tokens]
    assert {hash_token(token.removesuffix("/")) for token in typed} == set(
        cast.programme.participants.values_list("token_hash", flat=True)
    )


@pytest.mark.django_db
def test_slip_without_a_name_shows_the_email(client, cast):
    Participant.objects.filter(programme=cast.programme).update(name="")
    client.force_login(cast.facilitator)
    html = issue(client, cast.programme).content.decode()
    for email in cast.programme.participants.values_list("email", flat=True):
        assert email in html


# --- The safe URL fetcher ----------------------------------------------------------------


class Recorder:
    """Wraps SafeURLFetcher and records every URL asked for, served or refused."""

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
def recorder(monkeypatch):
    recorder = Recorder()
    monkeypatch.setattr(pdf, "SafeURLFetcher", recorder.fetcher_class)
    return recorder


@pytest.fixture
def listener():
    """A local TCP port that counts the connections it gets."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    accepted: list[object] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _address = server.accept()
            except TimeoutError:
                continue
            accepted.append(connection)
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


@pytest.mark.django_db
def test_names_with_markup_fetch_nothing(client, cast, recorder):
    participant = cast.programme.participants.first()
    participant.name = PAYLOADS[0]
    participant.save()
    cast.units["South"].name = PAYLOADS[1]
    cast.units["South"].save()
    cast.programme.title = PAYLOADS[2]
    cast.programme.save()
    client.force_login(cast.facilitator)

    response = issue(client, cast.programme, format="pdf")

    assert response.status_code == 200
    static = f"{settings.SITE_URL}{settings.STATIC_URL}"
    assert recorder.asked == recorder.served  # nothing refused: nothing asked for but ours
    assert recorder.served == [f"{static}css/print.css", *bundled_fonts()]
    text = pdf_text(response.content)
    assert "root:" not in text
    assert PAYLOADS[0].replace(" ", "") in re.sub(r"\s+", "", text)  # shown as text


def test_fetcher_refuses_everything_but_data_and_static(recorder, listener):
    port, connections = listener
    static = f"{settings.SITE_URL}{settings.STATIC_URL}css/print.css"
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
        "z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    refused = [
        "file:///etc/passwd",
        f"http://127.0.0.1:{port}/x.png",
        f"http://127.0.0.1:{port}/style.css",
        f"http://127.0.0.1:{port}/font.woff",
        f"http://127.0.0.1:{port}/svg-image.png",
        "https://example.org/x.png",
        f"{settings.SITE_URL}/admin/",
        f"{settings.SITE_URL}{settings.STATIC_URL}..%2f..%2fconfig/settings.py",
        f"{settings.SITE_URL}{settings.STATIC_URL}css/%2e%2e/%2e%2e/manage.py",
        "ftp://127.0.0.1/x",
    ]
    html = f"""<!doctype html><html lang="en"><head><title>Fetch test</title>
      <link rel="stylesheet" href="{settings.STATIC_URL}css/print.css">
      <link rel="stylesheet" href="{refused[2]}">
      <link rel="attachment" href="file:///etc/passwd">
      <style>
        @font-face {{ font-family: Evil; src: url({refused[3]}) }}
        body {{ background: url({refused[6]}) }}
      </style></head><body>
      <img src="{pixel}" alt="pixel">
      <img src="{refused[0]}" alt="a"><img src="{refused[1]}" alt="b">
      <img src="{refused[5]}" alt="c"><img src="../../../../etc/passwd" alt="d">
      <img src="{refused[7]}" alt="e"><img src="{refused[8]}" alt="f">
      <img src="{refused[9]}" alt="g">
      <svg width="10" height="10"><image href="{refused[4]}" width="10" height="10"/></svg>
      <p style="background: url(file:///etc/passwd)">text</p>
      <a rel="attachment" href="file:///etc/passwd">attachment</a>
    </body></html>"""

    content = pdf.render_pdf(html)

    assert recorder.served == [static, *bundled_fonts(), pixel]
    asked = set(recorder.asked)
    assert asked >= set(refused)
    assert f"{settings.SITE_URL}/etc/passwd" in asked  # the relative path, resolved
    assert connections == []
    reader = PdfReader(io.BytesIO(content))
    assert not reader.attachments
    assert "root:" not in pdf_text(content)
    assert b"root:" not in content


def test_fetcher_serves_our_static_css():
    fetcher = pdf.SafeURLFetcher(base_url=settings.SITE_URL + "/")
    response = fetcher.fetch(f"{settings.SITE_URL}{settings.STATIC_URL}css/print.css?v=1")
    assert response.content_type == "text/css"
    with open(finders.find("css/print.css"), "rb") as source:
        assert response.read() == source.read()
    with pytest.raises(pdf.RefusedURL):
        fetcher.fetch(f"{settings.SITE_URL}{settings.STATIC_URL}css/")
