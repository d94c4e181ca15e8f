"""The facilitator merges board items by dragging one onto another (JavaScript enhances the
tick boxes and the merge button, which the board test drives)."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from seminars.models import Board, Post, PostGroup
from tests.browser.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.mark.django_db(transaction=True)
def test_dragging_an_item_onto_another_merges_them(live_server, open_context, cast):
    board = Board.objects.get(activity__seminar__programme=cast.programme, kind="good_examples")
    Board.objects.filter(pk=board.pk).update(phase="group")
    for text in ("Handovers work well", "We cover for each other", "Monday huddle"):
        Post.objects.create(
            board=board, group=PostGroup.objects.create(board=board), key=uuid.uuid4(), text=text
        )
    page = open_context().new_page()
    log_in(page, cast.facilitator.username)
    activity = board.activity
    page.goto(reverse("board_control", args=[cast.programme.pk, activity.seminar_id, activity.pk]))
    items = page.locator(".items > li.item")
    expect(items).to_have_count(3)
    page.locator(f"#pick-{Post.objects.get(text='Monday huddle').group_id}").check()
    items.filter(has_text="We cover for each other").drag_to(
        items.filter(has_text="Handovers work well")
    )
    expect(items).to_have_count(2)
    merged = items.filter(has_text="Handovers work well")
    expect(merged).to_contain_text("We cover for each other")
    assert Post.objects.get(text="We cover for each other").group_id == (
        Post.objects.get(text="Handovers work well").group_id
    )
    # The facilitator's own change clears the ticks, so the next merge starts from nothing.
    expect(page.locator('input[form="merge-form"]:checked')).to_have_count(0)
