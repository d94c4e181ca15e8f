"""A facilitator sets up a programme and its units, with htmx and without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from programmes.models import Programme, Unit
from tests.browser.support import log_in
from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

MARKER = "window.__sameDocument"
ANY_TEXT = re.compile(r"\S")


def post_to(path_part: str):
    return lambda response: response.request.method == "POST" and path_part in response.url


def unit_row(page: Page, unit: Unit):
    return page.locator(f"#unit-{unit.pk}")


def assert_same_document(page: Page) -> None:
    """The value set before the htmx requests is still there: no full page load happened."""
    assert page.evaluate(MARKER) == "kept"


def test_facilitator_sets_up_a_programme_and_its_units(live_server, open_context):
    workspace = WorkspaceFactory(name="Trivsel ApS")
    MembershipFactory(workspace=workspace, user=UserFactory(username="fac"))

    page = open_context(language="en").new_page()
    log_in(page, "fac")

    # Create the programme.
    page.get_by_role("button", name="New programme").click()
    expect(page).to_have_url(re.compile(r"/programmes/new/$"))
    page.get_by_label("Client organisation").fill("Skovby Kommune")
    page.get_by_label("Title").fill("Social kapital 2026")
    page.get_by_role("combobox", name="Language").select_option("en")
    page.get_by_role("button", name="Create programme").click()
    programme = Programme.objects.get(title="Social kapital 2026")
    expect(page).to_have_url(re.compile(rf"/programmes/{programme.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Social kapital 2026")
    expect(page.locator(".message-success")).to_be_visible()

    # To the units, then add a top-level unit and a child with htmx.
    page.get_by_role("navigation", name="Programme").get_by_role("link", name="Units").click()
    expect(page).to_have_url(re.compile(rf"/programmes/{programme.pk}/units/$"))
    page.evaluate(f"{MARKER} = 'kept'")

    add = page.locator("#unit-add")
    add.get_by_label("Name").fill("Hjemmeplejen")
    with page.expect_response(post_to("/units/")) as added:
        add.get_by_role("button", name="Add unit").click()
    assert added.value.status == 200
    assert added.value.request.headers.get("hx-request") == "true"
    top = Unit.objects.get(programme=programme, name="Hjemmeplejen")
    expect(unit_row(page, top)).to_contain_text("Hjemmeplejen")
    assert_same_document(page)

    add = page.locator("#unit-add")
    expect(add.get_by_label("Name")).to_have_value("")  # a fresh form came back
    add.get_by_label("Name").fill("Nord")
    add.get_by_label("Parent unit").select_option(str(top.pk))
    add.get_by_role("button", name="Add unit").click()
    expect(page.locator("#unit-tree li.depth-1")).to_contain_text("Nord")
    child = Unit.objects.get(programme=programme, name="Nord")
    assert child.parent_id == top.pk
    expect(page.locator("#unit-tree > li")).to_have_count(2)
    assert_same_document(page)

    # An empty name: the 422 answer is swapped in place and says what is wrong.
    with page.expect_response(post_to("/units/")) as rejected:
        page.locator("#unit-add").get_by_role("button", name="Add unit").click()
    assert rejected.value.status == 422
    name_input = page.locator("#unit-add").get_by_label("Name")
    expect(page.locator("#unit-add .errorlist")).to_have_text(ANY_TEXT)
    expect(name_input).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#unit-tree > li")).to_have_count(2)  # the tree is untouched
    assert_same_document(page)

    # Rename the child inline.
    page.get_by_role("link", name="Rename or move Nord", exact=True).click()
    row = unit_row(page, child)
    edit_form = row.locator("form.unit-edit-form")
    expect(edit_form).to_be_visible()
    expect(edit_form.locator("input[name=name]")).to_have_value("Nord")
    edit_form.locator("input[name=name]").fill("Nord og Vest")
    with page.expect_response(post_to(f"/units/{child.pk}/edit/")) as renamed:
        edit_form.get_by_role("button", name="Save").click()
    assert renamed.value.status == 200
    expect(row.locator(".unit-name")).to_have_text("Nord og Vest")
    expect(page.locator("form.unit-edit-form")).to_have_count(0)
    expect(page.locator("#unit-tree li.depth-1")).to_contain_text("Nord og Vest")
    assert_same_document(page)
    child.refresh_from_db()
    assert (child.name, child.parent_id) == ("Nord og Vest", top.pk)

    # Cancel an inline edit: the form goes away and the tree is back.
    page.get_by_role("link", name="Rename or move Hjemmeplejen", exact=True).click()
    expect(unit_row(page, top).locator("form.unit-edit-form")).to_be_visible()
    unit_row(page, top).get_by_role("button", name="Cancel").click()
    expect(page.locator("form.unit-edit-form")).to_have_count(0)
    expect(page.locator("#unit-tree > li")).to_have_count(2)
    assert_same_document(page)

    # The same without JavaScript: plain form posts and redirects.
    page = open_context(language="en", javascript=False).new_page()
    log_in(page, "fac")
    page.goto(f"/programmes/{programme.pk}/units/")
    add = page.locator("#unit-add")
    add.get_by_label("Name").fill("Syd")
    add.get_by_label("Parent unit").select_option(str(top.pk))
    add.get_by_role("button", name="Add unit").click()
    expect(page).to_have_url(re.compile(rf"/programmes/{programme.pk}/units/$"))
    expect(page.locator(".message-success")).to_contain_text("Syd")
    south = Unit.objects.get(programme=programme, name="Syd")
    assert south.parent_id == top.pk
    expect(unit_row(page, south)).to_contain_text("Syd")

    with page.expect_response(post_to("/units/")) as rejected:
        page.locator("#unit-add").get_by_role("button", name="Add unit").click()
    assert rejected.value.status == 422
    expect(page.locator("#unit-add .errorlist")).to_have_text(ANY_TEXT)
    expect(page.locator("#unit-tree > li")).to_have_count(3)

    page.get_by_role("link", name="Rename or move Syd", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/units/{south.pk}/edit/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Syd")
    page.locator("form.unit-edit-form input[name=name]").fill("Syd og Øst")
    page.locator("form.unit-edit-form select[name=parent]").select_option("")
    page.locator("form.unit-edit-form").get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"/programmes/{programme.pk}/units/$"))
    expect(page.locator(".message-success")).to_contain_text("Syd og Øst")
    expect(unit_row(page, south).locator(".unit-name")).to_have_text("Syd og Øst")
    expect(unit_row(page, south)).not_to_have_class(re.compile(r"depth-1"))
    south.refresh_from_db()
    assert (south.name, south.parent_id) == ("Syd og Øst", None)
