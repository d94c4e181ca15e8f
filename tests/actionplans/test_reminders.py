"""Reminders: before a follow-up seminar and for an open round, once per person, with no
link and nothing from anyone's plan; staff see counts."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actionplans import reminders
from actionplans.models import Reminder
from programmes.services import issue_links
from surveys.models import Participation


@pytest.fixture
def ahead(cast):
    """Seminar 3 (with its follow-up row) in two days."""
    seminar = cast.programme.seminars.get(number=3)
    seminar.date = timezone.localdate() + datetime.timedelta(days=2)
    seminar.save(update_fields=["date"])
    cast.programme.participants.update(email="")
    people = list(cast.programme.participants.order_by("pk"))
    for n, person in enumerate(people[:3]):
        person.email = f"person{n}@example.org"
        person.save(update_fields=["email"])
    return seminar


@pytest.mark.django_db
def test_before_a_follow_up_seminar_each_person_with_an_address_is_reminded_once(
    cast, ahead, mailoutbox
):
    call_command("send_reminders")
    assert len(mailoutbox) == 3
    assert sorted(m.to[0] for m in mailoutbox) == [f"person{n}@example.org" for n in range(3)]
    body = mailoutbox[0].body
    assert ahead.title in mailoutbox[0].subject
    assert "/p/" not in body and "http" not in body  # no link, nothing to void a slip
    call_command("send_reminders")
    assert len(mailoutbox) == 3  # once per person and occasion
    assert Reminder.objects.count() == 3


@pytest.mark.django_db
def test_a_seminar_far_off_or_without_a_follow_up_gets_no_reminder(cast, ahead, mailoutbox):
    ahead.date = timezone.localdate() + datetime.timedelta(days=10)
    ahead.save(update_fields=["date"])
    first = cast.programme.seminars.get(number=1)  # no follow-up on its agenda
    first.date = timezone.localdate() + datetime.timedelta(days=1)
    first.save(update_fields=["date"])
    assert reminders.send_due() == reminders.Sent(0, 0)
    assert mailoutbox == []


@pytest.mark.django_db
def test_an_open_round_reminds_only_linked_people_who_have_not_answered(
    cast, ahead, open_round, mailoutbox
):
    ahead.date = None
    ahead.save(update_fields=["date"])
    people = list(cast.programme.participants.exclude(email="").order_by("pk"))
    issue_links(participants=people[:2])  # the third has no personal link
    Participation.objects.create(participant=people[0], round=open_round)  # answered
    sent = reminders.send_due()
    assert sent == reminders.Sent(0, 1)
    assert [m.to[0] for m in mailoutbox] == [people[1].email]
    assert open_round.title in mailoutbox[0].subject
    assert "/p/" not in mailoutbox[0].body


@pytest.mark.django_db
def test_staff_see_how_many_were_sent_never_to_whom(cast, ahead, mailoutbox):
    reminders.send_due()
    staff = Client()
    staff.force_login(cast.facilitator)
    page = staff.get(reverse("plans", args=[cast.programme.pk])).content.decode()
    assert f"Before {ahead}: 3" in page
    assert "person0@example.org" not in page
    manager = Client()
    manager.force_login(cast.manager)
    assert (
        "Reminders sent"
        not in manager.get(reverse("plans", args=[cast.programme.pk])).content.decode()
    )
