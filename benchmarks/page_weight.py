"""Page weight of the participant pages: the CSS and JS each page references, gzipped.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/page_weight.py

DATABASE_URL defaults to that database (created and migrated if missing). Run it with the
development settings (DEBUG unset): the pages then reference the unhashed static files,
which WhiteNoise serves from the source folders; they are the same bytes production serves
under hashed names. Takes a few seconds.

Builds a throwaway programme with one open round and walks the phone flow in Django's test
client with CSRF checks on: the join page, the room code, the first page (language, promise,
unit), the question pages, review, submit and the thank-you page. For the join page, the
first page, the first question page and the thank-you page it prints every stylesheet
(`<link rel="stylesheet">`) and script (`<script src>`) the page references with its raw
and gzip (level 6) size, the total against the goal (<= 30 KB of CSS and JS, gzipped),
whether a chart library (plotly) is referenced, and any reference to another origin. A
summary line per page of the whole flow follows.
Deletes the programme again.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

GOAL_ASSETS = 30_000  # bytes of CSS + JS after gzip
GOAL_TRANSFER = 100_000  # the participant page, everything transferred


class References(HTMLParser):
    """Stylesheets, scripts and any other-origin URL a page references."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[tuple[str, str]] = []  # (kind, url)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        for name in ("href", "src", "action", "srcset", "poster", "data"):
            if attr.get(name):
                self.urls.append(attr[name])
        if tag == "link" and "stylesheet" in attr.get("rel", "").lower().split():
            self.assets.append(("css", attr.get("href", "")))
        elif tag == "script" and attr.get("src"):
            self.assets.append(("js", attr["src"]))


def is_other_origin(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme in {"http", "https"}


def asset_bytes(client, url: str) -> bytes:
    """The file behind a static URL: as served to the client, else found by the finders."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    response = client.get(url)
    if response.status_code == 200:
        if response.streaming:
            return b"".join(response.streaming_content)
        return response.content
    found = finders.find(urlsplit(url).path.removeprefix(settings.STATIC_URL))
    if not found:
        raise FileNotFoundError(url)
    return Path(found).read_bytes()


def weigh(client, label: str, path: str, html: bytes, *, detail: bool) -> dict:
    parser = References()
    parser.feed(html.decode("utf-8", errors="replace"))
    rows = []
    for kind, url in parser.assets:
        data = b"" if is_other_origin(url) else asset_bytes(client, url)
        rows.append((kind, url, len(data), benchlib.gzip_size(data)))
    assets_gz = sum(row[3] for row in rows)
    html_gz = benchlib.gzip_size(html)
    plotly = "plotly" in html.decode("utf-8", errors="replace").lower() or any(
        "plotly" in url.lower() for _, url, _, _ in rows
    )
    other = sorted({url for url in parser.urls if is_other_origin(url)})
    if detail:
        print(f"{label}: {path}")
        print(f"  {'html':<34} {len(html):>8,} B raw {html_gz:>8,} B gzip")
        for kind, url, raw, gz in rows:
            print(f"  {kind + ' ' + url:<34} {raw:>8,} B raw {gz:>8,} B gzip")
        verdict = "yes" if assets_gz <= GOAL_ASSETS else "NO"
        print(
            f"  CSS + JS gzip total {assets_gz:,} B = {assets_gz / 1000:.1f} KB "
            f"(goal <= {GOAL_ASSETS / 1000:.0f} KB: {verdict}); {len(rows)} files"
        )
        print(
            f"  html + CSS + JS gzip {html_gz + assets_gz:,} B "
            f"(R-7: <= {GOAL_TRANSFER / 1000:.0f} KB transferred)"
        )
        print(f"  chart library (plotly) referenced: {'YES' if plotly else 'no'}")
        print(f"  other origins referenced: {', '.join(other) if other else 'none'}")
        print()
    return {"html_gz": html_gz, "assets_gz": assets_gz, "files": len(rows), "plotly": plotly}


def main() -> None:
    url = benchlib.setup_django()
    from django.conf import settings
    from django.test import Client

    from surveys.views import pages

    print(f"machine             {benchlib.machine()}")
    print(f"database            {benchlib.redacted(url)}")
    print(
        f"settings            DEBUG={settings.DEBUG}, static storage "
        f"{settings.STORAGES['staticfiles']['BACKEND'].rsplit('.', 1)[-1]}"
    )
    print()
    fixture = benchlib.build_programme(label="page weight", departments=3, teams=4)
    survey_round = fixture.rounds[0]
    base = f"/s/{survey_round.pk}/"
    client = Client(enforce_csrf_checks=True, HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14)")
    summary: list[tuple[str, int, dict]] = []

    def token() -> str:
        return client.cookies[settings.CSRF_COOKIE_NAME].value

    def page(label: str, path: str, *, detail: bool = False) -> str:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        summary.append(
            (
                path,
                response.status_code,
                weigh(client, label, path, response.content, detail=detail),
            )
        )
        return response.content.decode()

    def post(path: str, data: dict[str, str], status: int) -> None:
        response = client.post(path, {**data, "csrfmiddlewaretoken": token()})
        if response.status_code != status:
            raise RuntimeError(f"POST {path} answered {response.status_code}, not {status}")

    try:
        page("join page", "/j/", detail=True)
        response = client.get(f"/j/{survey_round.room_code}/")
        assert response.status_code == 302 and response["Location"] == base, response
        page("first page", base, detail=True)  # language, the promise, where you work
        post(base, {"language": "da"}, 302)
        page("first page in Danish", base)
        post(base, {"unit": str(fixture.leaves[0].pk)}, 302)
        for number, items in enumerate(pages(fixture.items), start=1):
            page(f"question page {number}", f"{base}q/{number}/", detail=number == 1)
            post(f"{base}q/{number}/", {f"item-{i.pk}": "4" for i in items} | {"nav": "next"}, 302)
        html = page("review", base + "review/")
        post(
            base + "review/",
            {
                "draft": benchlib.hidden_input(html, "draft"),
                "key": benchlib.hidden_input(html, "key"),
            },
            303,
        )
        page("thank-you page", base + "thanks/", detail=True)

        print("every participant page of the flow (gzip level 6)")
        print(f"  {'page':<24} {'html':>9} {'CSS+JS':>9} {'total':>9}  files  plotly")
        for path, _status, w in summary:
            print(
                f"  {path:<24} {w['html_gz']:>8,}B {w['assets_gz']:>8,}B "
                f"{w['html_gz'] + w['assets_gz']:>8,}B  {w['files']:>5}  "
                f"{'YES' if w['plotly'] else 'no'}"
            )
    finally:
        if settings.SESSION_COOKIE_NAME in client.cookies:
            from django.contrib.sessions.models import Session

            Session.objects.filter(
                session_key=client.cookies[settings.SESSION_COOKIE_NAME].value
            ).delete()
        fixture.delete()


if __name__ == "__main__":
    main()
