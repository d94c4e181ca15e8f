"""Personal plans: readable with the owner's key only, found by nothing else.

Services first (crypto, plan, stale save, erase, reflections, shares, feedback, counts),
then the pages on a phone through Django's test client, against the real database.
"""

from __future__ import annotations

import base64
import datetime
import json
import logging
import re
import threading
import time
from types import SimpleNamespace

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone

from actionplans import crypto, personal
from actionplans.models import Feedback, PersonalPlan, Reflection, SparringShare
from actionplans.urls_personal import urlpatterns as plan_routes
from actionplans.views_personal import COOKIE_NAME, RECOVERY_CODE
from programmes import ratelimit
from programmes.models import Programme
from seminars.models import Seat
from seminars.rooms import SEATS_SESSION_KEY
from tests.factories import UnitFactory

PLAN = {
    "goal": "Ask one colleague a day how their shift went",
    "first_steps": "Start on Monday at the morning meeting",
    "support": "Anna from the night shift",
    "check": "At the next seminar",
}


def plan_fields(**changes) -> dict[str, str]:
    return {**PLAN, **changes}


@pytest.fixture(autouse=True)
def one_window(monkeypatch):
    """Every attempt of a test falls into one rate-limit window (no minute boundary)."""
    frozen = SimpleNamespace(time=lambda: 1_800_000_000.0, sleep=time.sleep)
    monkeypatch.setattr(ratelimit, "time", frozen)


@pytest.fixture
def made(cast):
    """A plan in the cast's programme, made through the service: (plan, key)."""
    return personal.create_plan(
        programme=cast.programme, unit=cast.units["North"], fields=plan_fields()
    )


def phone_with_link(cast) -> Client:
    """A phone that has opened a participant's personal link."""
    participant = cast.programme.participants.filter(unit=cast.units["North"]).first()
    client = Client()
    token = participant.issue_link_token()
    assert client.get(reverse("participant_link", args=[token])).status_code == 302
    return client


def start_plan(client: Client, **changes) -> tuple[str, bytes]:
    """Write a plan on this phone; returns the recovery code shown and the key cookie's key."""
    response = client.post(reverse("plan_start"), plan_fields(**changes))
    assert response.status_code == 200, response.content.decode()[:2000]
    groups = re.findall(r"<code>([A-Z2-7]{4})</code>", response.content.decode())
    assert len(groups) == 8
    key = crypto.parse_key(response.cookies[COOKIE_NAME].value)
    assert key is not None
    return "-".join(groups), key


def version_of(client: Client) -> int:
    page = client.get(reverse("plan_edit")).content.decode()
    return int(re.search(r'name="version" value="(\d+)"', page).group(1))


def share_code(client: Client) -> str:
    page = client.post(reverse("plan_share")).content.decode()
    return re.search(r"/plan/s/([A-Za-z0-9_-]{27})/", page).group(1)


def key_spellings(key: bytes, code: str) -> list[str]:
    """Every way the key could be written down in a table, a session or a log."""
    text = crypto.key_text(key)
    return [
        text,
        text.lower(),
        code,
        key.hex(),
        base64.b64encode(key).decode().rstrip("="),
        base64.urlsafe_b64encode(key).decode().rstrip("="),
    ]


# --- The cryptography ---------------------------------------------------------------------


def test_the_key_carries_160_bits_and_reads_back_from_its_recovery_code():
    key = crypto.new_plan_key()
    code = crypto.recovery_code(key)
    assert crypto.KEY_BYTES * 8 >= 128
    assert len(key) == 20
    assert re.fullmatch(r"([A-Z2-7]{4}-){7}[A-Z2-7]{4}", code)
    assert crypto.parse_key(code) == key
    assert crypto.parse_key(code.lower().replace("-", " ")) == key
    assert crypto.parse_key(f"  {code.replace('-', '')}\n") == key
    assert crypto.parse_key(code[:-1]) is None
    assert crypto.parse_key(code + "A") is None
    assert crypto.parse_key("") is None


def test_digits_that_can_only_be_one_letter_are_read_as_that_letter():
    key = base64.b32decode("OBOBOBOBOBOBOBOBOBOBOBOBOBOBOBOB")
    assert crypto.parse_key("0B0B-0B0B-0808-0808-OBOB-OBOB-0b0b-o8o8") == key
    # 1 could be I or L: refused rather than guessed.
    assert crypto.parse_key("1" + "A" * 31) is None
    assert crypto.parse_key("9" + "A" * 31) is None


def test_the_lookup_the_box_key_and_the_seal_key_are_separate_derivations():
    key = crypto.new_plan_key()
    derived = {
        crypto.lookup(key),
        crypto.box_key(key).hex(),
        bytes(crypto.private_key(key)).hex(),
        crypto.public_key(key).hex(),
    }
    assert len(derived) == 4
    assert key.hex() not in "".join(derived)
    assert len(crypto.lookup(key)) == 64
    assert crypto.lookup(crypto.new_plan_key()) != crypto.lookup(key)


def test_a_payload_opens_only_with_its_own_key():
    key, other = crypto.new_plan_key(), crypto.new_plan_key()
    box = crypto.seal(key, {"goal": "Kaffe med Birgit"})
    assert b"Kaffe" not in box
    assert crypto.unseal(key, box) == {"goal": "Kaffe med Birgit"}
    with pytest.raises(crypto.CannotOpen):
        crypto.unseal(other, box)
    sealed = crypto.seal_to(crypto.public_key(key), {"works": "ja"})
    assert crypto.open_sealed(key, sealed) == {"works": "ja"}
    with pytest.raises(crypto.CannotOpen):
        crypto.open_sealed(other, sealed)


def test_ciphertext_length_says_little_about_the_text():
    key = crypto.new_plan_key()
    assert len(crypto.seal(key, {"goal": "a"})) == len(crypto.seal(key, {"goal": "a" * 150}))


def test_share_codes_carry_160_bits_and_one_spelling():
    code = crypto.new_share_code()
    assert len(code) == 27
    assert len(crypto.parse_share_code(code)) == 20
    assert crypto.parse_share_code(code[:-1]) is None
    assert crypto.parse_share_code(code + "x") is None
    assert crypto.parse_share_code("../" + code[3:]) is None
    assert len({crypto.new_share_code() for _ in range(1000)}) == 1000


# --- The plan -----------------------------------------------------------------------------


def test_a_plan_is_stored_as_ciphertext_and_opens_with_its_key(cast, made):
    plan, key = made
    row = PersonalPlan.objects.get(pk=plan.pk)
    assert row.lookup == crypto.lookup(key)
    assert bytes(row.public_key) == crypto.public_key(key)
    assert b"colleague" not in bytes(row.ciphertext)
    assert row.kind == PersonalPlan.Kind.PLAN
    assert row.unit == cast.units["North"]
    opened = personal.open_plan(key=key)
    assert opened.fields == plan_fields()
    assert opened.plan.pk == plan.pk
    assert personal.open_plan(key=crypto.new_plan_key()) is None


def test_a_leadership_day_writes_the_action_schema(cast):
    Programme.objects.filter(pk=cast.programme.pk).update(template="leadership_day")
    cast.programme.refresh_from_db()
    rows = [
        {
            "occasion": f"Morning huddle {i}",
            "action": "Ask what went well",
            "for_staff": "Seen",
            "for_citizens": "Calmer care",
            "for_leader": "I hear more",
        }
        for i in range(3)
    ]
    plan, key = personal.create_plan(
        programme=cast.programme, unit=None, fields={"rows": [*rows, {"occasion": ""}]}
    )
    assert plan.kind == PersonalPlan.Kind.SCHEMA
    assert personal.open_plan(key=key).fields == {"rows": rows}
    with pytest.raises(ValueError):
        personal.plan_payload(PersonalPlan.Kind.SCHEMA, {"rows": rows * 3})


def test_a_save_needs_the_version_it_started_from(made):
    _plan, key = made
    saved = personal.save_plan(key=key, fields=plan_fields(goal="New goal"), version=0)
    assert saved.version == 1
    with pytest.raises(personal.PlanStale) as stale:
        personal.save_plan(key=key, fields=plan_fields(goal="Other goal"), version=0)
    assert stale.value.theirs["goal"] == "New goal"
    assert stale.value.version == 1
    assert stale.value.status == 409
    # A double tap changes nothing and succeeds.
    assert personal.save_plan(key=key, fields=plan_fields(goal="New goal"), version=0).version == 1
    assert personal.open_plan(key=key).fields["goal"] == "New goal"


def test_nothing_changes_after_the_programme_is_archived(cast, made):
    _plan, key = made
    Programme.objects.filter(pk=cast.programme.pk).update(status=Programme.Status.ARCHIVED)
    with pytest.raises(personal.PlanArchived):
        personal.save_plan(key=key, fields=plan_fields(goal="Late"), version=0)
    with pytest.raises(personal.PlanArchived):
        personal.add_reflection(key=key, fields={"learned": "x"})
    with pytest.raises(personal.PlanArchived):
        personal.create_share(key=key)
    cast.programme.refresh_from_db()
    with pytest.raises(personal.PlanArchived):
        personal.create_plan(programme=cast.programme, unit=None, fields=plan_fields())
    assert personal.open_plan(key=key).fields == plan_fields()


def test_only_the_key_erases_a_plan_with_all_that_hangs_on_it(made):
    plan, key = made
    personal.add_reflection(key=key, fields={"learned": "Talked to Anna"})
    _share, code = personal.create_share(key=key)
    personal.give_feedback(code=code, fields={"works": "Clear"})
    personal.create_share(key=key)
    assert not personal.erase_plan(key=crypto.new_plan_key())
    assert PersonalPlan.objects.filter(pk=plan.pk).exists()
    assert personal.erase_plan(key=key)
    assert not PersonalPlan.objects.filter(pk=plan.pk).exists()
    assert not Reflection.objects.exists()
    assert not Feedback.objects.exists()
    assert not SparringShare.objects.exists()
    assert personal.open_plan(key=key) is None


def test_reflections_are_encrypted_and_read_back_with_the_key(made):
    plan, key = made
    personal.add_reflection(key=key, fields={"learned": "Asked three people", "next": "More"})
    personal.add_reflection(key=key, fields={"learned": "Second round"})
    row = Reflection.objects.filter(plan=plan).first()
    assert b"Asked" not in bytes(row.ciphertext)
    entries = personal.reflections(key=key)
    assert [entry.fields["learned"] for entry in entries] == ["Asked three people", "Second round"]
    assert entries[0].on == timezone.localdate()
    assert personal.reflections(key=crypto.new_plan_key()) == []


# --- Sparring shares and feedback ---------------------------------------------------------


def test_feedback_through_a_share_is_readable_by_the_owner_only(made):
    plan, key = made
    share, code = personal.create_share(key=key)
    assert share.code_hash == crypto.share_lookup(crypto.parse_share_code(code))
    assert b"colleague" not in bytes(share.ciphertext)
    shared = personal.read_share(code=code)
    assert shared.fields == plan_fields()
    personal.give_feedback(code=code, fields={"works": "Concrete steps", "suggestion": "Ask Bo"})
    row = Feedback.objects.get(plan=plan)
    assert b"Concrete" not in bytes(row.ciphertext)
    with pytest.raises(crypto.CannotOpen):
        crypto.open_sealed(crypto.new_plan_key(), row.ciphertext)
    with pytest.raises(crypto.CannotOpen):  # not under the plan's box key either
        crypto.unseal(key, row.ciphertext)
    assert [entry.fields for entry in personal.feedback(key=key)] == [
        {"works": "Concrete steps", "suggestion": "Ask Bo"}
    ]


def test_a_share_gives_feedback_once_and_its_copy_is_wiped(made):
    _plan, key = made
    share, code = personal.create_share(key=key)
    personal.give_feedback(code=code, fields={"works": "Good"})
    with pytest.raises(personal.ShareUsed):
        personal.give_feedback(code=code, fields={"works": "Again"})
    with pytest.raises(personal.ShareUsed):
        personal.read_share(code=code)
    share.refresh_from_db()
    assert share.used_at is not None
    assert bytes(share.ciphertext) == b""
    assert len(personal.feedback(key=key)) == 1


def test_a_share_expires_at_the_end_of_its_day_in_local_time(made, settings):
    _plan, key = made
    settings.TIME_ZONE = "Europe/Stockholm"
    late = timezone.make_aware(datetime.datetime(2026, 3, 10, 23, 30))
    share, code = personal.create_share(key=key, now=late)
    assert timezone.localtime(share.expires_at) == timezone.make_aware(
        datetime.datetime(2026, 3, 11, 0, 0)
    )
    assert personal.read_share(code=code, now=late).fields == plan_fields()
    after = late + datetime.timedelta(minutes=31)
    with pytest.raises(personal.ShareExpired):
        personal.read_share(code=code, now=after)
    with pytest.raises(personal.ShareExpired):
        personal.give_feedback(code=code, fields={"works": "Late"}, now=after)
    assert not Feedback.objects.exists()


def test_the_owner_cannot_give_feedback_on_their_own_plan(made):
    _plan, key = made
    _share, code = personal.create_share(key=key)
    with pytest.raises(personal.OwnShare):
        personal.read_share(code=code, own_key=key)
    with pytest.raises(personal.OwnShare):
        personal.give_feedback(code=code, fields={"works": "Me"}, own_key=key)
    other = crypto.new_plan_key()
    assert personal.read_share(code=code, own_key=other).fields == plan_fields()


def test_unknown_share_codes_are_refused(made):
    for code in ("", "x" * 27, crypto.new_share_code(), "a/b"):
        with pytest.raises(personal.ShareUnknown):
            personal.read_share(code=code)


@pytest.mark.django_db(transaction=True)
def test_one_code_sent_by_many_phones_at_once_gives_one_feedback(cast):
    _plan, key = personal.create_plan(programme=cast.programme, unit=None, fields=plan_fields())
    _share, code = personal.create_share(key=key)
    barrier, outcomes = threading.Barrier(6), []

    def send(n: int) -> None:
        try:
            barrier.wait()
            personal.give_feedback(code=code, fields={"works": f"phone {n}"})
            outcomes.append("given")
        except personal.ShareUsed:
            outcomes.append("used")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["given"] + ["used"] * 5
    assert Feedback.objects.count() == 1


# --- What staff see -----------------------------------------------------------------------


def make_plans(programme, unit, count: int, *, reflected: int = 0) -> None:
    for n in range(count):
        _plan, key = personal.create_plan(programme=programme, unit=unit, fields=plan_fields())
        if n < reflected:
            personal.add_reflection(key=key, fields={"learned": "x"})


def test_counts_show_units_from_k_and_fold_the_rest(cast):
    programme, units = cast.programme, cast.units
    make_plans(programme, units["North"], 4, reflected=2)
    make_plans(programme, units["North Day"], 3, reflected=3)
    make_plans(programme, units["South"], 3)
    shown = personal.counts(programme, 3)
    assert (shown.plans, shown.with_reflection, shown.k) == (10, 5, 3)
    assert [(row.name, row.plans, row.with_reflection) for row in shown.units] == [
        ("North", 4, 2),
        ("North Day", 3, 3),
        ("South", 3, 0),
    ]
    assert shown.other_units is None


def test_a_small_remainder_takes_the_smallest_unit_with_it(cast):
    programme, units = cast.programme, cast.units
    make_plans(programme, units["North"], 4)
    make_plans(programme, units["North Day"], 3, reflected=1)
    make_plans(programme, units["South"], 1)
    shown = personal.counts(programme, 3)
    # South alone (1) could be had by subtraction: North Day joins it in "other units".
    assert [(row.name, row.plans) for row in shown.units] == [("North", 4)]
    assert (shown.other_units.plans, shown.other_units.with_reflection) == (4, 1)
    assert shown.plans == 8


def test_counts_under_k_show_no_unit_and_k_never_goes_below_the_floor(cast):
    programme, units = cast.programme, cast.units
    make_plans(programme, units["North"], 2)
    make_plans(programme, None, 2)
    shown = personal.counts(programme, 1)
    assert shown.k == 3
    assert shown.units == ()
    assert shown.other_units.plans == 4
    other = UnitFactory(programme=cast.other_programme)
    make_plans(cast.other_programme, other, 5)
    assert personal.counts(programme, 3).plans == 4
    with pytest.raises(AttributeError):
        shown.plans = 0  # frozen


def test_counts_property_every_shown_difference_is_zero_or_at_least_k(cast):
    """Random unit sizes: each shown unit and the fold hold 0 or at least k plans, and the
    shown figures add up to the total (nothing dropped)."""
    import random

    rng = random.Random(7)
    extra = [UnitFactory(programme=cast.programme, name=f"Team {i}") for i in range(4)]
    units = [*cast.units.values(), *extra, None]
    for unit in units:
        make_plans(cast.programme, unit, rng.randint(0, 6))
    for k in (3, 4, 5, 7):
        shown = personal.counts(cast.programme, k)
        assert all(row.plans >= k for row in shown.units)
        other = shown.other_units.plans if shown.other_units else 0
        assert other == 0 or other >= k or not shown.units
        assert sum(row.plans for row in shown.units) + other == shown.plans


# --- For the demo -------------------------------------------------------------------------


def test_the_demo_writes_a_plan_and_gets_its_recovery_code(cast):
    code = personal.write_plan(
        programme=cast.programme,
        unit=cast.units["South"],
        fields=plan_fields(),
        reflections=({"learned": "It worked", "next": "Keep on"},),
        feedback=({"works": "Brave", "suggestion": "Start small"},),
    )
    key = crypto.parse_key(code)
    assert personal.open_plan(key=key).fields == plan_fields()
    assert personal.reflections(key=key)[0].fields["learned"] == "It worked"
    assert personal.feedback(key=key)[0].fields["works"] == "Brave"


# --- The pages ----------------------------------------------------------------------------


def test_the_routes_name_no_plan():
    """No plan id in any URL: the only route parameter is the share code."""
    names = set()
    for route in plan_routes:
        assert isinstance(route, URLPattern)
        assert str(route.pattern).startswith("plan/")
        names |= set(route.pattern.converters)
    assert names == {"code"}


def test_without_a_programme_the_page_says_how_to_get_one(db):
    response = Client().get(reverse("plan_home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "open your personal link again" in html
    assert reverse("plan_recover") in html
    assert Client().get(reverse("plan_start")).url == reverse("plan_home")


def test_a_phone_in_a_room_writes_its_plan_for_that_programme(cast):
    seminar = cast.programme.seminars.get(number=2)
    seat = Seat.objects.create(seminar=seminar, key="a" * 32, unit=cast.units["South"])
    client = Client()
    session = client.session
    session[SEATS_SESSION_KEY] = {str(seminar.pk): seat.key}
    session.save()
    page = client.get(reverse("plan_home")).content.decode()
    assert reverse("plan_start") in page
    _code, key = start_plan(client)
    plan = personal.open_plan(key=key).plan
    assert (plan.programme, plan.unit) == (cast.programme, cast.units["South"])


def test_start_warns_then_writes_the_plan_and_shows_the_code_once(cast):
    client = phone_with_link(cast)
    warning = client.get(reverse("plan_start")).content.decode()
    assert "Nobody can open it for you: not the facilitator" in warning
    code, key = start_plan(client)
    assert crypto.parse_key(code) == key
    home = client.get(reverse("plan_home")).content.decode()
    assert PLAN["goal"] in home
    assert code not in home and code.split("-")[0] + "</code>" not in home
    # A resent form makes no second plan.
    assert client.post(reverse("plan_start"), plan_fields()).url == reverse("plan_home")
    assert PersonalPlan.objects.count() == 1


def test_the_key_cookie_is_http_only_strict_and_limited_to_the_plan_pages(cast, settings):
    client = phone_with_link(cast)
    response = client.post(reverse("plan_start"), plan_fields())
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/plan/"
    assert cookie["secure"] is True  # DEBUG is off in tests
    assert 390 * 86400 <= int(cookie["max-age"]) <= 400 * 86400
    settings.DEBUG = True
    second = phone_with_link(cast).post(reverse("plan_start"), plan_fields())
    assert second.cookies[COOKIE_NAME]["secure"] == ""  # local development over HTTP


def test_the_session_table_never_holds_the_key_or_the_code(cast):
    client = phone_with_link(cast)
    code, key = start_plan(client)
    client.post(reverse("plan_edit"), plan_fields(goal="Changed", version=0))
    other = Client()
    other.post(reverse("plan_recover"), {"code": code.lower()})
    other.post(reverse("plan_recover"), {"code": "A" * 32})  # a failure saves the session
    share = share_code(client)
    other.get(reverse("plan_shared", args=[share]))
    rows = list(Session.objects.all())
    assert len(rows) >= 2
    stored = " ".join(row.session_data + json.dumps(row.get_decoded()) for row in rows)
    for spelling in key_spellings(key, code):
        assert spelling not in stored


def test_no_log_line_holds_the_key_or_the_code(cast, caplog):
    caplog.set_level(logging.DEBUG)
    client = phone_with_link(cast)
    code, key = start_plan(client)
    Client().post(reverse("plan_recover"), {"code": code})
    Client().post(reverse("plan_recover"), {"code": code[:-1] + "A"})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for spelling in key_spellings(key, code):
        assert spelling not in logged


def test_edit_saves_and_a_stale_save_shows_both_texts(cast):
    client = phone_with_link(cast)
    code, _key = start_plan(client)
    second = Client()
    assert second.post(reverse("plan_recover"), {"code": code}).status_code == 302
    version = version_of(client)
    saved = second.post(reverse("plan_edit"), plan_fields(goal="From phone two", version=version))
    assert saved.status_code == 302
    stale = client.post(reverse("plan_edit"), plan_fields(goal="From phone one", version=version))
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "From phone two" in html and "From phone one" in html
    resent = re.search(r'name="version" value="(\d+)"', html).group(1)
    merged = client.post(reverse("plan_edit"), plan_fields(goal="Both", version=resent))
    assert merged.status_code == 302
    assert "Both" in second.get(reverse("plan_home")).content.decode()


def test_a_10_kb_text_is_a_form_error_and_nothing_changes(cast):
    client = phone_with_link(cast)
    _code, key = start_plan(client)
    response = client.post(reverse("plan_edit"), plan_fields(goal="x" * 10_000, version=0))
    assert response.status_code == 422
    assert "at most 2000 characters" in response.content.decode()
    assert personal.open_plan(key=key).fields["goal"] == PLAN["goal"]
    assert client.post(reverse("plan_start"), plan_fields(goal="x" * 10_000)).url == reverse(
        "plan_home"
    )
    fresh = phone_with_link(cast)
    assert fresh.post(reverse("plan_start"), plan_fields(goal="y" * 10_000)).status_code == 422
    reflect = client.post(reverse("plan_reflect"), {"learned": "z" * 10_000})
    assert reflect.status_code == 422
    assert PersonalPlan.objects.count() == 1
    assert not Reflection.objects.exists()


def test_an_empty_plan_is_a_form_error(cast):
    response = phone_with_link(cast).post(reverse("plan_start"), {})
    assert response.status_code == 422
    assert not PersonalPlan.objects.exists()


def test_after_the_programme_is_archived_editing_answers_410_and_nothing_is_lost(cast):
    client = phone_with_link(cast)
    _code, key = start_plan(client)
    Programme.objects.filter(pk=cast.programme.pk).update(status=Programme.Status.ARCHIVED)
    response = client.post(reverse("plan_edit"), plan_fields(goal="Too late", version=0))
    assert response.status_code == 410
    html = response.content.decode()
    assert "can no longer be changed" in html
    assert "Too late" in html  # the text typed is given back to copy
    assert client.post(reverse("plan_reflect"), {"learned": "x"}).status_code == 410
    assert client.post(reverse("plan_share")).status_code == 410
    assert personal.open_plan(key=key).fields == plan_fields()
    home = client.get(reverse("plan_home"))
    assert home.status_code == 200 and PLAN["goal"] in home.content.decode()
    assert client.get(reverse("plan_download")).status_code == 200


def test_a_second_phone_opens_the_plan_with_the_code_typed_loosely(cast):
    client = phone_with_link(cast)
    code, key = start_plan(client)
    second = Client()
    response = second.post(reverse("plan_recover"), {"code": code.lower().replace("-", " ")})
    assert response.status_code == 302
    assert crypto.parse_key(response.cookies[COOKIE_NAME].value) == key
    assert PLAN["goal"] in second.get(reverse("plan_home")).content.decode()


def test_a_wrong_code_is_404_and_past_the_limit_429(cast):
    code, _key = start_plan(phone_with_link(cast))
    phone = Client()
    wrong = phone.post(reverse("plan_recover"), {"code": "A" * 32})
    assert wrong.status_code == 404
    assert "No plan opens with this code" in wrong.content.decode()
    assert phone.post(reverse("plan_recover"), {"code": "not a code"}).status_code == 404
    for _ in range(RECOVERY_CODE.per_device - 2):
        assert phone.post(reverse("plan_recover"), {"code": "B" * 32}).status_code == 404
    assert phone.post(reverse("plan_recover"), {"code": "C" * 32}).status_code == 429
    # Past the limit even the right code waits: guessing learns nothing.
    assert phone.post(reverse("plan_recover"), {"code": code}).status_code == 429
    assert Client().post(reverse("plan_recover"), {"code": code}).status_code == 302
    assert phone.post(reverse("plan_recover"), {}).status_code == 422


def test_a_wrong_code_from_many_phones_at_one_address_is_limited_too(cast):
    for _ in range(RECOVERY_CODE.per_ip):
        assert Client().post(reverse("plan_recover"), {"code": "D" * 32}).status_code == 404
    assert Client().post(reverse("plan_recover"), {"code": "D" * 32}).status_code == 429


def test_a_reflection_is_written_and_shown(cast):
    client = phone_with_link(cast)
    start_plan(client)
    assert client.get(reverse("plan_reflect")).status_code == 200
    response = client.post(reverse("plan_reflect"), {"learned": "Asked Bo", "next": "Ask Eva"})
    assert response.url == reverse("plan_home")
    home = client.get(reverse("plan_home")).content.decode()
    assert "Asked Bo" in home and "Ask Eva" in home
    assert client.post(reverse("plan_reflect"), {"learned": " "}).status_code == 422


def test_a_colleague_reads_the_share_once_and_the_owner_reads_the_feedback(cast):
    owner = phone_with_link(cast)
    start_plan(owner)
    code = share_code(owner)
    colleague = Client()
    page = colleague.get(reverse("plan_shared", args=[code]))
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer"
    assert PLAN["goal"] in page.content.decode()
    given = colleague.post(
        reverse("plan_shared", args=[code]), {"works": "Very concrete", "suggestion": "Ask Bo"}
    )
    assert given.status_code == 200
    assert "Thank you for your feedback" in given.content.decode()
    again = colleague.post(reverse("plan_shared", args=[code]), {"works": "Twice"})
    assert again.status_code == 410
    assert colleague.get(reverse("plan_shared", args=[code])).status_code == 410
    assert Feedback.objects.count() == 1
    home = owner.get(reverse("plan_home")).content.decode()
    assert "Very concrete" in home and "Ask Bo" in home
    # The colleague has no key: /plan/ shows them no plan and no feedback.
    assert "Very concrete" not in colleague.get(reverse("plan_home")).content.decode()


def test_the_owner_opening_their_own_share_is_refused(cast):
    owner = phone_with_link(cast)
    start_plan(owner)
    code = share_code(owner)
    response = owner.get(reverse("plan_shared", args=[code]))
    assert response.status_code == 403
    assert "your own plan" in response.content.decode()
    assert owner.post(reverse("plan_shared", args=[code]), {"works": "me"}).status_code == 403
    assert not Feedback.objects.exists()


def test_an_expired_share_is_410(cast):
    owner = phone_with_link(cast)
    start_plan(owner)
    code = share_code(owner)
    SparringShare.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = Client().get(reverse("plan_shared", args=[code]))
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_unknown_share_codes_are_404_and_past_the_limit_429(db):
    phone = Client()
    for _ in range(20):
        code = crypto.new_share_code()
        assert phone.get(reverse("plan_shared", args=[code])).status_code == 404
    assert phone.get(reverse("plan_shared", args=[crypto.new_share_code()])).status_code == 429


def test_the_download_holds_plan_reflections_and_feedback(cast):
    owner = phone_with_link(cast)
    start_plan(owner)
    owner.post(reverse("plan_reflect"), {"learned": "Reflection text"})
    code = share_code(owner)
    Client().post(reverse("plan_shared", args=[code]), {"works": "Feedback text"})
    response = owner.get(reverse("plan_download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode()
    for marker in (PLAN["goal"], PLAN["support"], "Reflection text", "Feedback text"):
        assert marker in text
    assert "&" not in PLAN["goal"] and "<" not in text
    assert Client().get(reverse("plan_download")).url == reverse("plan_home")


def test_erase_needs_confirmation_and_leaves_nothing(cast):
    owner = phone_with_link(cast)
    code, _key = start_plan(owner)
    owner.post(reverse("plan_reflect"), {"learned": "x"})
    assert owner.post(reverse("plan_erase"), {}).status_code == 422
    assert PersonalPlan.objects.count() == 1
    response = owner.post(reverse("plan_erase"), {"confirm": "on"})
    assert response.status_code == 200
    assert response.cookies[COOKIE_NAME]["max-age"] == 0
    assert not PersonalPlan.objects.exists() and not Reflection.objects.exists()
    assert Client().post(reverse("plan_recover"), {"code": code}).status_code == 404


def test_forget_removes_the_key_from_this_phone_only(cast):
    owner = phone_with_link(cast)
    code, _key = start_plan(owner)
    assert owner.get(reverse("plan_forget")).status_code == 200
    response = owner.post(reverse("plan_forget"))
    assert response.url == reverse("plan_home")
    assert response.cookies[COOKIE_NAME].value == ""
    assert response.cookies[COOKIE_NAME]["path"] == "/plan/"
    assert PLAN["goal"] not in owner.get(reverse("plan_home")).content.decode()
    assert PersonalPlan.objects.count() == 1
    assert owner.post(reverse("plan_recover"), {"code": code}).status_code == 302


def test_pages_that_need_a_plan_send_a_phone_without_one_to_plan_home(db):
    phone = Client()
    for name in ("plan_edit", "plan_reflect", "plan_share", "plan_download", "plan_erase"):
        assert phone.get(reverse(name)).url == reverse("plan_home")
    phone.cookies[COOKIE_NAME] = crypto.key_text(crypto.new_plan_key())
    assert phone.get(reverse("plan_edit")).url == reverse("plan_home")
    home = phone.get(reverse("plan_home"))
    assert home.status_code == 200
    assert home.cookies[COOKIE_NAME].value == ""  # a key that opens nothing is dropped


def test_get_changes_nothing_and_writing_routes_refuse_other_methods(cast):
    owner = phone_with_link(cast)
    start_plan(owner)
    code = share_code(owner)
    models = (PersonalPlan, Reflection, Feedback, SparringShare)
    before = [model.objects.count() for model in models]
    for route in plan_routes:
        args = [code] if route.pattern.converters else []
        assert owner.get(reverse(route.name, args=args)).status_code < 500
    assert [model.objects.count() for model in models] == before
    assert owner.post(reverse("plan_download")).status_code == 405
    assert owner.post(reverse("plan_home")).status_code == 405
    assert owner.put(reverse("plan_edit")).status_code == 405


def test_writing_needs_a_csrf_token(cast):
    phone = Client(enforce_csrf_checks=True)
    participant = cast.programme.participants.first()
    phone.get(reverse("participant_link", args=[participant.issue_link_token()]))
    assert phone.post(reverse("plan_start"), plan_fields()).status_code == 403
    assert not PersonalPlan.objects.exists()


def test_the_pages_render_in_the_programmes_language(cast):
    Programme.objects.filter(pk=cast.programme.pk).update(language="da")
    client = phone_with_link(cast)
    page = client.get(reverse("plan_start"), HTTP_ACCEPT_LANGUAGE="de")
    assert '<html lang="da">' in page.content.decode()


def test_a_leadership_day_phone_writes_schema_rows(cast):
    Programme.objects.filter(pk=cast.programme.pk).update(template="leadership_day")
    client = phone_with_link(cast)
    form = client.get(reverse("plan_start")).content.decode()
    assert form.count('name="r0_occasion"') == 1 and 'name="r7_for_leader"' in form
    assert "<details>" in form  # rows 4-8 folded away on a phone
    response = client.post(
        reverse("plan_start"),
        {
            "r0_occasion": "Monday staff meeting",
            "r0_action": "Start with a win from last week",
            "r4_occasion": "Rota planning",
            "r4_for_citizens": "Familiar faces",
        },
    )
    assert response.status_code == 200
    key = crypto.parse_key(response.cookies[COOKIE_NAME].value)
    opened = personal.open_plan(key=key)
    assert opened.kind == PersonalPlan.Kind.SCHEMA
    assert [row["occasion"] for row in opened.fields["rows"]] == [
        "Monday staff meeting",
        "Rota planning",
    ]
    home = client.get(reverse("plan_home")).content.decode()
    assert "Row 2" in home and "Familiar faces" in home
    edit = client.get(reverse("plan_edit")).content.decode()
    assert 'name="r1_occasion"' in edit and "Rota planning" in edit
    assert client.post(reverse("plan_edit"), {"version": 0}).status_code == 422


def test_the_share_code_is_masked_in_log_lines():
    from programmes.logs import mask

    code = crypto.new_share_code()
    path = reverse("plan_shared", args=[code])
    assert mask(f'"GET {path} HTTP/1.1" 404') == '"GET /plan/s/…/ HTTP/1.1" 404'
