# ruff: noqa: E501
"""The logo on the report's cover: what is stored is made by us from a checked upload, a bad
file gets a message and a 4xx and leaves the old logo, and the PDF carries it as data."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin
from pypdf import PdfReader

from programmes import logo
from programmes.models import AuditEntry, ProgrammeLogo
from tests.surveys.test_results_dashboard import two_rounds  # noqa: F401 (a fixture)


def png(width=40, height=20, *, text: dict | None = None, mode="RGB") -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
    out = io.BytesIO()
    Image.new(mode, (width, height), "teal" if mode != "1" else 0).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = "Home address: Secret Street 1"  # ImageDescription
    out = io.BytesIO()
    Image.new("RGB", (60, 30), "navy").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


CLEAN_SVG = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
     xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
     viewBox="0 0 200 60" inkscape:version="1.3">
  <sodipodi:namedview id="view" pagecolor="#ffffff"/>
  <metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>
  <!-- made by hand -->
  <defs><linearGradient id="g"><stop offset="0" stop-color="#063"/></linearGradient>
    <style>.t { font-weight: bold; fill: url(#g); }</style></defs>
  <rect id="r" width="60" height="60" fill="url(#g)"/>
  <use xlink:href="#r" x="70"/>
  <text class="t" x="140" y="40">Skovby</text>
</svg>"""

# The payloads stay on one line each, as they would arrive.
UNSAFE_SVGS = {
    "script": b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><script>alert(1)</script></svg>',
    "handler": b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1" onload="alert(1)"/>',
    "foreign": b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject></svg>',
    "image": b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><image href="file:///etc/passwd"/></svg>',
    "use_out": b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 1 1"><use xlink:href="http://127.0.0.1:1/x.svg#a"/></svg>',
    "link": b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><a href="javascript:alert(1)"><rect width="1" height="1"/></a></svg>',
    "import": b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><style>@import "http://127.0.0.1:1/x.css";</style></svg>',
    "style_url": b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect style="fill:url(http://127.0.0.1:1/x)" width="1" height="1"/></svg>',
    "fill_url": b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect fill="url( \'file:///etc/passwd\')" width="1" height="1"/></svg>',
    "entities": b"""<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><text>&b;</text></svg>""",
    "external_entity": b"""<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><text>&x;</text></svg>""",
    "animate": b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><a><animate attributeName="href" to="javascript:alert(1)"/></a></svg>',
    "utf16": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>'.encode("utf-16"),
}


def upload(content: bytes, name: str = "logo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


# --- What is stored ------------------------------------------------------------------------


def test_a_png_is_encoded_again_without_its_text_chunks():
    cleaned = logo.clean(upload(png(text={"Comment": "secret-note"})))
    assert cleaned.content_type == "image/png"
    assert b"secret-note" not in cleaned.content
    assert Image.open(io.BytesIO(cleaned.content)).size == (40, 20)


def test_a_jpeg_becomes_a_png_without_its_exif():
    cleaned = logo.clean(upload(jpeg_with_exif(), "logo.jpg"))
    assert cleaned.content_type == "image/png"
    assert b"Secret Street" not in cleaned.content
    assert b"Exif" not in cleaned.content


def test_a_large_image_is_shrunk_to_the_longest_side():
    cleaned = logo.clean(upload(png(3000, 1000)))
    assert (cleaned.width, cleaned.height) == (logo.MAX_SIDE, 400)


def test_bytes_after_the_image_are_not_kept():
    cleaned = logo.clean(upload(png() + b"<script>alert(1)</script>"))
    assert b"script" not in cleaned.content


def test_a_plain_svg_is_kept_without_the_editors_extras():
    cleaned = logo.clean(upload(CLEAN_SVG, "logo.svg"))
    assert cleaned.content_type == "image/svg+xml"
    assert (cleaned.width, cleaned.height) == (200, 60)
    for gone in (b"sodipodi", b"inkscape", b"metadata", b"made by hand", b"rdf"):
        assert gone not in cleaned.content, gone
    for kept in (b"Skovby", b'href="#r"', b"url(#g)"):
        assert kept in cleaned.content, kept


# --- What is refused -------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(UNSAFE_SVGS))
def test_an_svg_that_could_run_or_fetch_is_refused(case):
    with pytest.raises(ValidationError) as refused:
        logo.clean(upload(UNSAFE_SVGS[case], "logo.svg"))
    assert refused.value.code in ("unsafe_svg", "not_an_image")


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.7 not a logo", b"GIF89a broken", b"\x89PNG\r\n\x1a\n broken", b"<html></html>"],
)
def test_a_file_that_is_not_an_image_is_refused(content):
    with pytest.raises(ValidationError) as refused:
        logo.clean(upload(content))
    assert refused.value.code == "not_an_image"


def test_a_small_file_that_unpacks_into_a_huge_image_is_refused_before_decoding():
    bomb = png(12_000, 12_000, mode="1")  # a few kB on disk, 144 megapixels
    assert len(bomb) < 100_000
    with pytest.raises(ValidationError) as refused:
        logo.clean(upload(bomb))
    assert refused.value.code == "too_many_pixels"


@override_settings(LOGO_MAX_BYTES=1000)
def test_a_file_over_the_limit_is_refused_with_its_size():
    with pytest.raises(ValidationError) as refused:
        logo.clean(upload(b"\x89PNG" + b"0" * 5000))
    assert refused.value.code == "too_large"


@given(st.binary(max_size=3000))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_bytes_give_a_logo_or_a_message(content):
    for name, head in (("x.png", b""), ("x.svg", b"<svg "), ("x.png", b"\x89PNG\r\n\x1a\n")):
        try:
            cleaned = logo.clean(upload(head + content, name))
        except ValidationError:
            continue
        assert cleaned.content_type in ("image/png", "image/svg+xml")


# --- Through the pages ---------------------------------------------------------------------


def facilitator(cast) -> Client:
    client = Client()
    client.force_login(cast.facilitator)
    return client


@pytest.mark.django_db
def test_the_facilitator_uploads_sees_and_removes_the_logo(cast):
    client = facilitator(cast)
    url = reverse("programme_logo", args=[cast.programme.pk])
    response = client.post(url, {"logo": upload(png())})
    assert response.status_code == 302
    page = client.get(reverse("programme_edit", args=[cast.programme.pk]))
    assert reverse("programme_logo_image", args=[cast.programme.pk]) in page.text
    image = client.get(reverse("programme_logo_image", args=[cast.programme.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert "sandbox" in image["Content-Security-Policy"]
    assert image["X-Content-Type-Options"] == "nosniff"
    assert AuditEntry.objects.filter(
        action="programme.logo", programme_id=cast.programme.pk
    ).exists()
    assert client.post(url, {"remove": "1"}).status_code == 302
    assert not ProgrammeLogo.objects.filter(programme=cast.programme).exists()
    assert AuditEntry.objects.filter(action="programme.logo_remove").exists()


@pytest.mark.django_db
def test_a_refused_file_gets_a_message_and_keeps_the_old_logo(cast):
    client = facilitator(cast)
    url = reverse("programme_logo", args=[cast.programme.pk])
    client.post(url, {"logo": upload(png())})
    kept = bytes(ProgrammeLogo.objects.get(programme=cast.programme).content)
    response = client.post(url, {"logo": upload(UNSAFE_SVGS["script"], "evil.svg")})
    assert response.status_code == 422
    assert "This SVG cannot be used" in response.text
    assert "<script>alert(1)" not in response.text
    assert bytes(ProgrammeLogo.objects.get(programme=cast.programme).content) == kept
    missing = client.post(url, {})
    assert missing.status_code == 422


@pytest.mark.django_db
def test_a_huge_upload_is_refused_before_it_is_read(cast):
    client = facilitator(cast)
    url = reverse("programme_logo", args=[cast.programme.pk])
    response = client.post(url, {"logo": upload(b"\x89PNG" + b"0" * (3 * 1024 * 1024))})
    assert response.status_code == 413
    assert "at most 1 MB" in response.text
    assert not ProgrammeLogo.objects.filter(programme=cast.programme).exists()


@pytest.mark.django_db
def test_managers_and_other_facilitators_cannot_touch_the_logo(cast):
    facilitator(cast).post(
        reverse("programme_logo", args=[cast.programme.pk]), {"logo": upload(png())}
    )
    for user in (cast.manager, cast.outsider):
        client = Client()
        client.force_login(user)
        image = client.get(reverse("programme_logo_image", args=[cast.programme.pk]))
        assert image.status_code in (403, 404)
        changed = client.post(reverse("programme_logo", args=[cast.programme.pk]), {"remove": "1"})
        assert changed.status_code in (403, 404)
    assert ProgrammeLogo.objects.filter(programme=cast.programme).exists()


@pytest.mark.django_db
def test_the_report_cover_carries_the_logo_as_an_image(cast, two_rounds):  # noqa: F811
    facilitator(cast).post(
        reverse("programme_logo", args=[cast.programme.pk]), {"logo": upload(png(300, 100))}
    )
    manager = Client()
    manager.force_login(cast.manager)
    response = manager.get(reverse("report_pdf", args=[cast.programme.pk]))
    assert response.status_code == 200
    cover = PdfReader(io.BytesIO(response.content)).pages[0]
    assert [image.image.size for image in cover.images] == [(300, 100)]


@pytest.mark.django_db
def test_an_svg_logo_reaches_the_report(cast, two_rounds):  # noqa: F811
    facilitator(cast).post(
        reverse("programme_logo", args=[cast.programme.pk]),
        {"logo": upload(CLEAN_SVG, "logo.svg")},
    )
    manager = Client()
    manager.force_login(cast.manager)
    response = manager.get(reverse("report_pdf", args=[cast.programme.pk]))
    assert response.status_code == 200
    assert "Skovby" in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
