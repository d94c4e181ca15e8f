"""What a phone's whole survey costs the database: statements per flow, per tap, per page.

The room's busiest minute is 200 phones walking this flow at once, so its statements are
pinned here, not timed (benchmarks/survey_flow.py times them). The flow is a phone without
JavaScript from the room code to the thank-you page, as DESIGN.md's "survey on a phone"
has it: the first page (language, the anonymity promise, where you work), the questions in
pages of three or four (ten items: three pages), review, submit, thanks.

The counts run without a test transaction around them (`transaction=True`), so that
BEGIN, COMMIT and the session's writes are counted as production sends them. "A cache
answers" is Redis in production; here the same store over Django's local-memory cache, which
is one process's and so stands for Redis in a single-process test only.

Each page of questions costs three statements (its GET reads; its POST reads and saves the
draft). With pages of five (two pages) the flow took 29 statements; DESIGN.md asks for pages
of three or four items, which made it 33; the room code's one query, which reads with the
seminar its open round and a flag for each other kind of activity (instead of a query per
kind), makes it 29. The submit's write in one statement (the draft deleted, the response and
its answers written: surveys.services._store_as_read, instead of a transaction of six
statements), with the round's wave read along with the round, makes it 24: the submit is
the round, that statement and the session.

How these were made sure to fail: with `ITEMS_PER_PAGE = 3` (four question pages) the flow
took 36 statements and 7 page views (50 without the cache) and both flow tests failed (at a
limit of 29); with the page POST's `save_answers` call removed the draft and autosave tests
failed; before the phone's page GET was added in front of the tap, the autosave counted the
worker's first read of the pinned items (3 statements) and failed; with the submit's
one statement left out (the locked path), the flow took 29 statements and failed.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from surveys import services
from surveys.models import Draft, Response
from surveys.views import pages

CACHED_SESSIONS = {
    "SESSION_ENGINE": "programmes.sessions.cached_db",
    "CACHES": {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    },
}
MAX_STATEMENTS = 24  # the whole flow, BEGIN and COMMIT included (three question pages)
MAX_PAGE_VIEWS = 7
MAX_AUTOSAVE = 2
MAX_SUBMIT = 3  # the round with the draft, the one write, the session


class Walk:
    """One phone without JavaScript; every request's statements are kept by step."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.steps: list[tuple[str, int, int, list[str]]] = []  # name, status, count, sql

    def request(self, name: str, method: str, path: str, data: dict | None = None):
        with CaptureQueriesContext(connection) as captured:
            if method == "GET":
                response = self.client.get(path)
            else:
                response = self.client.post(path, data or {})
        sql = [query["sql"] for query in captured.captured_queries]
        self.steps.append((name, response.status_code, len(sql), sql))
        return response

    @property
    def statements(self) -> int:
        return sum(count for _name, _status, count, _sql in self.steps)

    @property
    def page_views(self) -> int:
        return sum(1 for _name, status, _count, _sql in self.steps if status == 200)

    def sql(self) -> list[str]:
        return [sql for _name, _status, _count, statements in self.steps for sql in statements]

    def print(self, label: str) -> None:
        print(
            f"\n{label}: {len(self.steps)} requests, {self.page_views} page views, "
            f"{self.statements} statements"
        )
        for name, status, count, _sql in self.steps:
            print(f"  {name:<22} {status}  {count:>2} statements")


def on_today(round) -> None:
    """The room is in use: its seminar is held today (a past one would be looked up)."""
    round.seminar.date = timezone.localdate()
    round.seminar.save(update_fields=["date"])


def whole_flow(client: Client, round, unit, items) -> Walk:
    """Room code to thank-you; every answer a 4, the unit given."""
    on_today(round)
    walk = Walk(client)
    joined = walk.request("join (room code)", "GET", f"/j/{services.room_code(round)}/")
    assert joined.status_code == 302
    start = reverse("survey_start", args=[round.pk])
    assert joined.url == start
    assert walk.request("first page", "GET", start).status_code == 200
    started = walk.request("start (unit)", "POST", start, {"unit": unit.pk})
    assert started.status_code == 302
    for number, page_items in enumerate(pages(items), start=1):
        path = reverse("survey_page", args=[round.pk, number])
        assert walk.request(f"page {number}", "GET", path).status_code == 200
        data = {f"item-{item.pk}": "4" for item in page_items} | {"nav": "next"}
        assert walk.request(f"page {number} saved", "POST", path, data).status_code == 302
    review = reverse("survey_review", args=[round.pk])
    html = walk.request("review", "GET", review).content.decode()
    form = {
        name: re.search(rf'name="{name}" value="([^"]+)"', html).group(1)
        for name in ("draft", "key")
    }
    sent = walk.request("submit", "POST", review, form)
    assert sent.status_code == 303
    assert walk.request("thanks", "GET", sent.url).status_code == 200
    return walk


@pytest.mark.django_db(transaction=True)
def test_whole_flow_without_javascript_takes_at_most_24_statements(
    settings, cast, open_round, items
):
    for name, value in CACHED_SESSIONS.items():
        setattr(settings, name, value)
    settings.REDIS_URL = "redis://stands-for-the-cache"  # rate limits count in the cache too
    walk = whole_flow(Client(), open_round, cast.units["South"], items)
    walk.print("whole flow, sessions read from the cache")
    assert Response.objects.filter(round=open_round).count() == 1
    assert walk.page_views <= MAX_PAGE_VIEWS
    assert walk.statements <= MAX_STATEMENTS, "\n".join(walk.sql())
    (submit,) = [sql for name, _status, _count, sql in walk.steps if name == "submit"]
    assert len(submit) <= MAX_SUBMIT, "\n".join(submit)
    read = " ".join(walk.sql()[1:])  # every request after the join's
    assert '"django_session"."session_data"' not in read  # no session read from the table
    assert '"auth_user"' not in " ".join(walk.sql())  # and never the user table


@pytest.mark.django_db(transaction=True)
def test_whole_flow_without_a_cache_reads_the_session_once_per_request(cast, open_round, items):
    """The default without REDIS_URL: the session table answers each request, one read each,
    and rate limits count in their table (one read at the room code)."""
    walk = whole_flow(Client(), open_round, cast.units["South"], items)
    walk.print("whole flow, sessions in the table")
    requests_after_join = len(walk.steps) - 1
    assert walk.statements <= MAX_STATEMENTS + requests_after_join + 1, "\n".join(walk.sql())


@pytest.mark.django_db(transaction=True)
def test_autosave_of_one_tap_takes_at_most_two_statements(settings, cast, open_round, items):
    for name, value in CACHED_SESSIONS.items():
        setattr(settings, name, value)
    client = Client()
    client.get(f"/j/{services.room_code(open_round)}/")
    client.post(reverse("survey_start", args=[open_round.pk]), {"unit": cast.units["South"].pk})
    first = pages(items)[0][0]
    page = reverse("survey_page", args=[open_round.pk, 1])
    assert client.get(page).status_code == 200  # the phone shows the page before a tap
    with CaptureQueriesContext(connection) as captured:
        response = client.post(page, {f"item-{first.pk}": "5", "nav": "autosave"})
    print(f"\nautosave: {len(captured)} statements")
    for query in captured.captured_queries:
        print(f"  {query['sql'][:100]}")
    assert response.status_code == 204
    assert len(captured) <= MAX_AUTOSAVE
    assert Draft.objects.get().answers == {str(first.pk): "5"}


@pytest.mark.django_db
def test_every_page_post_keeps_the_draft_for_a_new_tab(cast, open_round, items):
    """After each page's POST the answers so far are in the draft and a new tab (the same
    session, nothing in the browser) shows them checked; Back keeps them too (R-6)."""
    client = Client()
    client.get(f"/j/{services.room_code(open_round)}/")
    client.post(reverse("survey_start", args=[open_round.pk]), {"unit": cast.units["South"].pk})
    expected: dict[str, str] = {}
    all_pages = pages(items)
    assert [len(page) for page in all_pages] == [4, 3, 3]  # ten items, DESIGN.md's 3-4 a page
    for number, page_items in enumerate(all_pages, start=1):
        path = reverse("survey_page", args=[open_round.pk, number])
        data = {f"item-{item.pk}": str(1 + item.pk % 5) for item in page_items}
        assert client.post(path, data | {"nav": "next"}).status_code == 302
        expected |= {str(item.pk): str(1 + item.pk % 5) for item in page_items}
        assert Draft.objects.get().answers == expected, f"after page {number}"
        new_tab = Client()
        new_tab.cookies = client.cookies
        html = new_tab.get(path).content.decode()
        checked = dict(re.findall(r'name="item-(\d+)" value="(\w+)" id="[^"]+" checked', html))
        assert checked == {str(item.pk): str(1 + item.pk % 5) for item in page_items}
    last = {f"item-{item.pk}": str(1 + item.pk % 5) for item in all_pages[-1]}
    last_number = len(all_pages)
    back = client.post(
        reverse("survey_page", args=[open_round.pk, last_number]), last | {"nav": "back"}
    )
    assert back.url == reverse("survey_page", args=[open_round.pk, last_number - 1])
    assert Draft.objects.get().answers == expected
    review = client.get(reverse("survey_review", args=[open_round.pk])).content.decode()
    assert "not answered" not in review
