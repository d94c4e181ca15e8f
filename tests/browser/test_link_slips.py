"""The printable slips page: issued from the participants page, scanned by axe on a phone
and a desktop, and printed by Chromium as A4 sheets of eight slips."""

from __future__ import annotations

import io
import math

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from programmes.views import SLIPS_PER_SHEET
from tests.browser.support import Scanner, build_programme, horizontal_overflow, log_in
from tests.factories import ParticipantFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

VIEWPORTS = {"phone": (360, 640), "desktop": (1280, 800)}


def issue_slips(page: Page, programme) -> None:
    page.goto(f"/programmes/{programme.pk}/participants/")
    page.get_by_role("button", name="Issue links to those without one (to print)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal links")


@pytest.mark.parametrize("viewport", list(VIEWPORTS), ids=list(VIEWPORTS))
def test_slips_page_reads_well_and_prints_as_a4_sheets(
    live_server, open_context, request, tmp_path, viewport
):
    setup = build_programme("da")
    unit = setup.participant.unit
    ParticipantFactory.create_batch(7, unit=unit, programme=setup.programme)
    count = setup.programme.participants.filter(link_issued_at__isnull=True).count()  # 9
    width, height = VIEWPORTS[viewport]
    page = open_context(language="en", width=width, height=height).new_page()
    log_in(page, setup.facilitator.username)

    issue_slips(page, setup.programme)

    expect(page.locator(".slip")).to_have_count(count)
    expect(page.locator(".slip-qr-code")).to_have_count(count)
    expect(page.get_by_role("button", name="Print the slips")).to_be_visible()  # print.js ran
    assert page.locator(".slip-sheets").get_attribute("lang") == "da"
    assert horizontal_overflow(page) is None
    scanner = Scanner()
    scanner.scan(page, f"link slips ({viewport})")
    page.screenshot(path=tmp_path / f"slips-{width}x{height}.png", full_page=True)

    # Printed: only the slips, eight to an A4 sheet.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print the slips")).to_be_hidden()
    expect(page.locator(".slip").first).to_be_visible()
    page.screenshot(path=tmp_path / f"slips-{width}x{height}-print.png", full_page=True)
    printed = PdfReader(
        io.BytesIO(page.pdf(path=tmp_path / "printed.pdf", prefer_css_page_size=True))
    )
    assert len(printed.pages) == math.ceil(count / SLIPS_PER_SHEET) == 2
    box = printed.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    scanner.report(request)
