"""A phone on a slow network (QUALITY R-7 c): the survey completes, and each page is light.

Chromium's own network emulation (the DevTools protocol, as its "slow 3G" profiles use)
holds every request for 400 ms and sends at 400 kbit/s both ways, with the browser cache
off, so that every page fetches its stylesheets and scripts again. The phone walks the
room code to the thank-you page with JavaScript (each tap saved while the next one is made)
and without. Each page it saw is weighed as it would travel, gzip -6: its HTML, and every
stylesheet and script it references; each must stay within DESIGN.md's 30 KB (the goal is
20 KB, which benchmarks/survey_flow.py reports).
"""

from __future__ import annotations

import gzip

import pytest
from playwright.sync_api import Page

from surveys import services
from surveys.models import Draft, Response
from tests.browser.test_survey_phone import PHONE, Phone, expected_answers, stored_answers

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SLOW = {
    "offline": False,
    "latency": 400,  # ms added to each request
    "downloadThroughput": 400_000 / 8,  # bytes per second
    "uploadThroughput": 400_000 / 8,
}
HARD_LIMIT = 30_000  # bytes gzip, a page with its CSS and JS (DESIGN.md)
ASSETS_JS = """() => Array.from(document.querySelectorAll('link[rel=stylesheet], script[src]'))
  .map((element) => element.href || element.src)"""


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


class Scale:
    """Each page's weight as it travels: its HTML and the assets it references, gzipped."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.weights: dict[str, int] = {}

    def weigh(self, name: str) -> None:
        html = self.page.content().encode()
        assets = self.page.evaluate(ASSETS_JS)
        fetched = [self.page.context.request.get(url) for url in assets]
        assert all(reply.ok for reply in fetched), [r.url for r in fetched if not r.ok]
        self.weights[name] = gzipped(html) + sum(gzipped(reply.body()) for reply in fetched)


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_a_phone_on_a_slow_network_completes_the_survey(
    live_server, open_context, cast, open_round, javascript
):
    context = open_context(language="da", **PHONE, javascript=javascript)
    page = context.new_page()
    network = context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.setCacheDisabled", {"cacheDisabled": True})
    network.send("Network.emulateNetworkConditions", SLOW)
    phone = Phone(page, open_round, javascript=javascript)
    scale = Scale(page)

    response = page.goto(f"/j/{services.room_code(open_round)}/")
    assert response is not None and response.status == 200 and phone.at("")
    scale.weigh("first page")
    assert phone.choose_unit(cast.units["South"].pk).status == 200
    phone.answer_all_pages(on_page=lambda number: scale.weigh(f"question page {number}"))
    scale.weigh("review")
    assert phone.send().status == 200
    scale.weigh("thanks")

    stored = Response.objects.get()
    assert stored_answers(stored) == expected_answers(phone.answers)
    assert len(phone.answers) == len(services.survey_items(open_round.programme))
    assert Draft.objects.count() == 0
    print("\npage weights, gzip -6, HTML + CSS + JS:")
    for name, weight in scale.weights.items():
        print(f"  {name:<16} {weight:>6,} B")
    too_heavy = {name: w for name, w in scale.weights.items() if w > HARD_LIMIT}
    assert not too_heavy, too_heavy
    assert len(scale.weights) == 6  # first page, three question pages, review, thanks
