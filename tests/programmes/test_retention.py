"""Retention (QUALITY G-3): a programme is kept for its months after its last seminar or
round, then the daily run deletes it; the run also clears what expires on its own."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from programmes import retention
from programmes.models import AuditEntry, ManagerInvitation, Programme, RateCounter


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2027, 12, 15), 12, datetime.date(2028, 12, 15)),
        (datetime.date(2028, 2, 29), 12, datetime.date(2029, 2, 28)),
        (datetime.date(2026, 11, 30), 3, datetime.date(2027, 2, 28)),
    ],
)
def test_months_are_added_as_people_count_them(day, months, expected):
    assert retention.add_months(day, months) == expected


@pytest.mark.django_db
def test_the_last_seminar_or_round_sets_the_end(cast):
    from surveys.models import Round

    seminar = cast.programme.seminars.order_by("number").last()
    seminar.date = datetime.date(2027, 3, 4)
    seminar.save(update_fields=["date"])
    Round.objects.create(
        programme=cast.programme,
        title="Follow-up",
        closes_at=timezone.make_aware(datetime.datetime(2027, 9, 1, 12)),
    )
    assert retention.last_activity(cast.programme) == datetime.date(2027, 9, 1)
    assert retention.retention_end(cast.programme) == datetime.date(2028, 9, 1)
    Programme.objects.filter(pk=cast.programme.pk).update(retention_months=24)
    cast.programme.refresh_from_db()
    assert retention.retention_end(cast.programme) == datetime.date(2029, 9, 1)


@pytest.mark.django_db
def test_the_daily_run_deletes_expired_programmes_and_nothing_else(cast):
    end = retention.retention_end(cast.programme)
    kept = retention.run(today=end - datetime.timedelta(days=1))
    assert kept.marked == [] and Programme.objects.filter(pk=cast.programme.pk).exists()
    done = retention.run(today=end)
    assert cast.programme.pk in done.marked and cast.programme.pk in done.purged
    assert not Programme.all_objects.filter(pk=cast.programme.pk).exists()
    assert Programme.objects.filter(pk=cast.other_programme.pk).exists() is (
        retention.retention_end(cast.other_programme) > end
    )
    entry = AuditEntry.objects.get(
        action="programme.retention_delete", programme_id=cast.programme.pk
    )
    assert entry.role == "system"
    # 0 expired programmes remain after a run.
    later = end + datetime.timedelta(days=3650)
    retention.run(today=later)
    assert not Programme.all_objects.exists()


@pytest.mark.django_db
def test_the_run_clears_what_expires_on_its_own(cast):
    from seminars.models import Seminar
    from surveys.models import Draft, Round

    now = timezone.now()
    RateCounter.objects.create(key="old", count=3, expires_at=now - datetime.timedelta(minutes=1))
    RateCounter.objects.create(key="live", count=3, expires_at=now + datetime.timedelta(minutes=5))
    round_ = Round.objects.create(programme=cast.programme, title="R")
    stale = Draft.objects.create(round=round_, language="en")
    Draft.objects.filter(pk=stale.pk).update(
        touched_on=timezone.localdate() - datetime.timedelta(days=31)
    )
    fresh = Draft.objects.create(round=round_, language="en")
    seminar = cast.programme.seminars.first()
    Seminar.objects.filter(pk=seminar.pk).update(
        display_token_hash="h" * 64, display_valid_until=now - datetime.timedelta(hours=1)
    )
    ManagerInvitation.objects.create(
        programme=cast.programme,
        email="late@example.org",
        token_hash="t" * 64,
        expires_at=now - datetime.timedelta(days=31),
    )
    out = io.StringIO()
    call_command("retention", stdout=out)
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["live"]
    assert list(Draft.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert Seminar.objects.get(pk=seminar.pk).display_token_hash == ""
    assert not ManagerInvitation.objects.exists()
    assert (
        "expired counters: 1; stale drafts: 1; display links: 1; invitations: 1" in out.getvalue()
    )
