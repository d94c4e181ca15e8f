"""PDF documents made with WeasyPrint, and the one URL fetcher every PDF goes through.

WeasyPrint loads whatever a document points to: stylesheets, images, fonts, SVG
references, even attachments. Our documents hold people's text (participant, unit and
programme names, later board posts and notes). Django's escaping keeps that text out of
the markup; the fetcher is the second wall, should markup ever slip through. It serves
`data:` URLs and our own static files, read from disk through the staticfiles finders
or STATIC_ROOT, and refuses everything else: `file://`, `http(s)://` to any host (our own
included), other schemes, and paths that climb out of the static tree. It never opens a
socket, so there is no request to forge and no redirect to follow (GHSA-983w-rhvv-gwmv,
GHSA-jf6q-chmf-3h3v). A refusal raises; WeasyPrint logs it and leaves the resource out.

Documents name static files with `{% static %}` as pages do; they are rendered against
`SITE_URL`, and only URLs under `SITE_URL + STATIC_URL` (or an absolute STATIC_URL)
resolve to files.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from urllib.parse import quote, unquote, urljoin

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse
from django.utils._os import safe_join
from django.utils.cache import add_never_cache_headers
from django.utils.text import slugify
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from programmes.slots import pdf_slot


class RefusedURL(ValueError):
    """A document asked for something outside `data:` URLs and our static files."""


class SafeURLFetcher(URLFetcher):
    """WeasyPrint's fetcher, limited to `data:` URLs and our static files, redirects off."""

    def __init__(self, *, base_url: str) -> None:
        # The parent's opener handles `data:` only; static files are read here.
        super().__init__(timeout=5, allowed_protocols={"data"}, allow_redirects=False)
        self.static_prefix = urljoin(base_url, settings.STATIC_URL)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url[:5].lower() == "data:":
            return super().fetch(url, headers)
        path = self.static_file(url)
        if path is None:
            raise RefusedURL(f"Refused to fetch {url[:200]!r}: not data: or a static file")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def static_file(self, url: str) -> Path | None:
        """The file on disk that a URL under the static prefix names, if it is one."""
        if not url.startswith(self.static_prefix):
            return None
        name = unquote(url[len(self.static_prefix) :].split("#")[0].split("?")[0])
        parts = name.split("/")
        if "\\" in name or "\x00" in name or any(part in ("", ".", "..") for part in parts):
            return None
        try:
            found = finders.find(name)
            if not found and settings.STATIC_ROOT:
                found = safe_join(settings.STATIC_ROOT, name)
        except SuspiciousFileOperation:
            return None
        return Path(found) if found and os.path.isfile(found) else None


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """A PDF/UA-1 document of an HTML page: tagged, with the document's <title> as its title
    (shown by viewers) and its lang as the document language, both of which PDF/UA needs.
    """
    base_url = base_url or settings.SITE_URL + "/"
    document = HTML(string=html, base_url=base_url, url_fetcher=SafeURLFetcher(base_url=base_url))
    with pdf_slot():  # at most PDF_RENDERS_AT_ONCE on this server; else Busy, a 503
        return document.write_pdf(pdf_variant="pdf/ua-1")


# Letters that Unicode decomposition does not reduce to ASCII.
ASCII_LETTERS = str.maketrans(
    {"æ": "ae", "Æ": "Ae", "ø": "oe", "Ø": "Oe", "œ": "oe", "Œ": "Oe", "ß": "ss", "đ": "d"}
)


def attachment_disposition(stem: str, extension: str) -> str:
    """A Content-Disposition for a download named from our data (RFC 6266, `filename*`).

    Both names are slugs, so quotes, slashes, semicolons and control characters never
    reach the header; `filename` is plain ASCII for old clients, `filename*` keeps the
    Danish and Swedish letters.
    """
    ascii_stem = slugify(stem.translate(ASCII_LETTERS)) or "document"
    unicode_stem = slugify(stem, allow_unicode=True) or ascii_stem
    return (
        f'attachment; filename="{ascii_stem}.{extension}"; '
        f"filename*=UTF-8''{quote(f'{unicode_stem}.{extension}', safe='')}"
    )


def pdf_response(pdf: bytes, *, filename_stem: str) -> HttpResponse:
    """A PDF download that no cache keeps."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = attachment_disposition(filename_stem, "pdf")
    add_never_cache_headers(response)
    return response
