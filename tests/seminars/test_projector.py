"""The projector: a display link, a live count, and the room's result in steps of k."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from programmes.models import AuditEntry
from seminars.services import issue_display_token
from surveys import services
from surveys.live import live_state
from surveys.models import Round
from tests.factories import answer_round as answer


@pytest.fixture
def display(cast, open_round):
    seminar = open_round.seminar
    token = issue_display_token(seminar=seminar)
    return token


@pytest.mark.django_db
def test_figures_appear_at_k_and_then_change_only_in_steps_of_k(cast, open_round):
    k = cast.programme.min_group_size
    unit = cast.units["South"]
    answer(open_round, unit, 5, count=k - 1)
    state = live_state(Round.objects.get(pk=open_round.pk))
    assert state.answered == k - 1
    assert state.figures == ()
    answer(open_round, unit, 5)
    state = live_state(Round.objects.get(pk=open_round.pk))
    assert state.shown_n == k
    shown = {f.measure: f.mean for f in state.figures}
    assert shown["index"] == 100.0
    answer(open_round, unit, 1)  # one more, very different answer
    state = live_state(Round.objects.get(pk=open_round.pk))
    assert state.answered == k + 1
    assert state.shown_n == k
    assert {f.measure: f.mean for f in state.figures} == shown
    answer(open_round, unit, 1, count=k - 1)
    state = live_state(Round.objects.get(pk=open_round.pk))
    assert state.shown_n == 2 * k
    assert {f.measure: f.mean for f in state.figures}["index"] == 50.0


@pytest.mark.django_db
def test_closing_shows_the_final_figures(cast, open_round):
    k = cast.programme.min_group_size
    answer(open_round, cast.units["South"], 5, count=k + 2)
    live_state(Round.objects.get(pk=open_round.pk))
    services.close_round(round=open_round)
    state = live_state(Round.objects.get(pk=open_round.pk))
    assert state.shown_n == k + 2


@pytest.mark.django_db
def test_after_a_reopen_the_projector_moves_only_in_steps_of_k(cast, open_round):
    k = cast.programme.min_group_size
    answer(open_round, cast.units["South"], 5, count=k + 2)
    services.close_round(round=open_round)
    assert live_state(Round.objects.get(pk=open_round.pk)).shown_n == k + 2
    reopened = services.open_round(round=Round.objects.get(pk=open_round.pk))
    answer(reopened, cast.units["South"], 1)  # one latecomer
    services.close_round(round=Round.objects.get(pk=open_round.pk))
    state = live_state(Round.objects.get(pk=open_round.pk))
    assert state.answered == k + 3
    assert state.shown_n == k + 2  # the latecomer is not on the wall either
    services.open_round(round=Round.objects.get(pk=open_round.pk))
    answer(Round.objects.get(pk=open_round.pk), cast.units["South"], 1, count=k - 1)
    state = live_state(Round.objects.get(pk=open_round.pk))
    assert state.shown_n == 2 * k + 2  # k late answers: one full step


@pytest.mark.django_db
def test_display_page_and_poll(client, cast, open_round, display):
    page = client.get(reverse("display", args=[display]))
    assert page.status_code == 200
    html = page.content.decode()
    assert services.room_code(open_round) in html
    assert page["Referrer-Policy"] == "no-referrer"
    version = html.split("?v=")[1].split('"')[0]
    live = reverse("display_live", args=[display])
    assert client.get(live, {"v": version}).status_code == 204
    answer(open_round, cast.units["South"], 4)
    changed = client.get(live, {"v": version})
    assert changed.status_code == 200
    assert "<html" not in changed.content.decode()
    assert "1 of" in changed.content.decode()


@pytest.mark.django_db
def test_poll_query_count_is_small_and_constant(
    client, cast, open_round, display, django_assert_max_num_queries
):
    answer(open_round, cast.units["South"], 4, count=6)
    live = reverse("display_live", args=[display])
    version = client.get(live).content.decode().split("?v=")[1].split('"')[0]
    with django_assert_max_num_queries(8):
        assert client.get(live, {"v": version}).status_code == 204


@pytest.mark.django_db
def test_display_links_are_read_only_and_expire(client, cast, open_round, display):
    seminar = open_round.seminar
    assert client.get(reverse("display", args=["not-a-token"])).status_code == 404
    seminar.refresh_from_db()
    seminar.display_valid_until = timezone.now() - datetime.timedelta(seconds=1)
    seminar.save()
    assert client.get(reverse("display", args=[display])).status_code == 404
    assert client.get(reverse("display_live", args=[display])).status_code == 404
    assert client.post(reverse("display", args=[display])).status_code == 405


@pytest.mark.django_db
def test_a_display_link_holds_to_the_midnight_that_ends_the_seminar_day(cast, open_round):
    """Through the day's last minute too: the link used to end at 23:59, and a wall shown at
    23:59:30 was a 404."""
    seminar = open_round.seminar
    today = timezone.localdate()
    for day in (today, today + datetime.timedelta(days=3)):
        seminar.date = day
        seminar.save(update_fields=["date"])
        issue_display_token(seminar=seminar)
        seminar.refresh_from_db()
        midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
        assert seminar.display_valid_until == timezone.make_aware(midnight)
        last_minute = datetime.datetime.combine(day, datetime.time(23, 59, 30))
        assert seminar.display_valid_until > timezone.make_aware(last_minute)
    # A seminar whose day has passed (or has none) gets a link for the next twelve hours.
    seminar.date = today - datetime.timedelta(days=1)
    seminar.save(update_fields=["date"])
    before = timezone.now()
    issue_display_token(seminar=seminar)
    seminar.refresh_from_db()
    assert seminar.display_valid_until - before >= datetime.timedelta(hours=12)
    assert seminar.display_valid_until - before < datetime.timedelta(hours=12, minutes=1)


@pytest.mark.django_db
def test_reissuing_voids_the_old_display_link(client, cast, open_round, display):
    client.force_login(cast.facilitator)
    response = client.post(
        reverse("display_open", args=[cast.programme.pk, cast.programme.seminars.get(number=1).pk])
    )
    assert response.status_code == 302
    assert client.get(response.url).status_code == 200
    assert client.get(reverse("display", args=[display])).status_code == 404
    assert AuditEntry.objects.filter(action="seminar.display_link").count() == 1


@pytest.mark.django_db
def test_projector_shows_no_figure_for_a_small_room(client, cast, open_round, display):
    answer(open_round, cast.units["South"], 5, count=cast.programme.min_group_size - 1)
    html = client.get(reverse("display", args=[display])).content.decode()
    assert "<meter" not in html


@pytest.mark.django_db
def test_the_count_never_passes_the_invited_number(client, cast, open_round, display):
    """6 are listed (2 per unit); 9 answer by room code: "9 of 9", and check the headcount."""
    answer(open_round, cast.units["South"], 4, count=9)
    html = client.get(reverse("display", args=[display])).content.decode()
    assert "9 of 9 have answered" in html
    assert "9 of 6" not in html
    assert "More answers than the 6 invited: check the headcount." in html
    live = client.get(reverse("display_live", args=[display]))
    assert "9 of 9 have answered" in live.content.decode()


@pytest.mark.django_db
def test_a_headcount_of_zero_shows_the_count_alone(client, cast, open_round, display):
    from programmes.models import Participant, Unit

    Participant.objects.filter(programme=cast.programme).delete()
    Unit.objects.filter(programme=cast.programme).update(headcount=0)
    answer(open_round, cast.units["South"], 4, count=2)
    html = client.get(reverse("display", args=[display])).content.decode()
    assert "2 have answered" in html and " of 0" not in html
