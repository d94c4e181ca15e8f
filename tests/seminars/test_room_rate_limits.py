"""A room shares one address: guessing room codes is slowed, the room is never refused.

One Wi-Fi (one NAT) puts every phone in the room behind one client address. Wrong codes
are counted per browser session (a browser that keeps guessing is refused) and per
address (past the limit every attempt is answered after RATE_LIMIT_DELAY seconds, never
refused). Phones that have already joined are counted apart. Personal, display and
invitation links carry 256-bit tokens: unknown ones are counted and refused past the limit.
"""

from __future__ import annotations

import datetime
import itertools
import time
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from programmes import ratelimit
from programmes.models import ManagerInvitation, new_token
from seminars.services import issue_display_token
from surveys import services
from surveys.models import ROOM_CODE_ALPHABET, Draft, Response
from surveys.views import pages
from tests.surveys.test_survey_flow import join

ROOM_ADDRESS = "198.51.100.20"


@pytest.fixture(autouse=True)
def one_window(monkeypatch):
    """Every attempt of a test falls into the same counting window (no minute boundary)."""
    frozen = SimpleNamespace(time=lambda: 1_800_000_000.0, sleep=time.sleep)
    monkeypatch.setattr(ratelimit, "time", frozen)


@pytest.fixture
def slowed(monkeypatch, settings) -> list[float]:
    """The delays applied: RATE_LIMIT_DELAY for each attempt that was slowed down."""
    settings.RATE_LIMIT_DELAY = 0
    calls: list[float] = []
    slow_down = ratelimit.slow_down

    def counted() -> None:
        calls.append(settings.RATE_LIMIT_DELAY)
        slow_down()

    monkeypatch.setattr(ratelimit, "slow_down", counted)
    return calls


def phone() -> Client:
    return Client(REMOTE_ADDR=ROOM_ADDRESS)


def wrong_codes(round):
    """Well-formed codes that lead nowhere, all different."""
    right = services.room_code(round)
    codes = ("".join(c) for c in itertools.product(ROOM_CODE_ALPHABET[:6], repeat=6))
    return (code for code in codes if code != right)


def try_code(client: Client, code: str) -> int:
    return client.post(reverse("join"), {"code": code}).status_code


def answer_and_send(client: Client, round, unit, items) -> list[int]:
    """The survey with the fewest requests the real views allow; their status codes."""
    statuses = [
        client.post(reverse("survey_start", args=[round.pk]), {"language": "en"}).status_code,
        client.post(reverse("survey_start", args=[round.pk]), {"unit": unit.pk}).status_code,
    ]
    for number, page_items in enumerate(pages(items), start=1):
        data = {f"item-{item.pk}": "4" for item in page_items}
        statuses.append(
            client.post(reverse("survey_page", args=[round.pk, number]), data).status_code
        )
    # The review form holds the session's draft and its key; read them where it does.
    draft = Draft.objects.get(pk=client.session["surveys"][str(round.pk)]["draft"])
    form = {"draft": str(draft.pk), "key": str(draft.idempotency_key)}
    statuses.append(client.post(reverse("survey_review", args=[round.pk]), form).status_code)
    return statuses


# --- Room codes ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_room_of_300_behind_one_address_joins_and_answers_while_200_codes_are_wrong(
    cast, open_round, items, slowed
):
    wrong = wrong_codes(open_round)
    unit = cast.units["South"]
    statuses = []
    wrong_answers = []
    for number in range(300):
        client = phone()
        if number % 3 != 2:  # two phones in three mistype the code first: 200 wrong codes
            wrong_answers.append(try_code(client, next(wrong)))
        join(client, open_round)  # 302 to the survey, or the helper fails
        statuses += answer_and_send(client, open_round, unit, items)
    assert wrong_answers == [404] * 200
    assert 429 not in statuses
    assert set(statuses) == {302, 303}
    assert statuses.count(303) == 300
    assert Response.objects.filter(round=open_round).count() == 300
    assert slowed == []  # the room's typos stay under the address's limit: nobody waits


@pytest.mark.django_db
def test_past_the_address_limit_attempts_are_slowed_and_not_refused(
    cast, open_round, slowed, settings
):
    wrong = wrong_codes(open_round)
    for _phone in range(ratelimit.ROOM_CODE.per_ip):
        assert try_code(phone(), next(wrong)) == 404
    assert slowed == []
    settings.RATE_LIMIT_DELAY = 0.05
    started = time.monotonic()
    assert try_code(phone(), next(wrong)) == 404  # slowed, not refused
    assert time.monotonic() - started >= 0.05
    assert slowed == [0.05]
    late = phone()
    join(late, open_round)  # the right code waits as long as a wrong one, and gets in
    assert slowed == [0.05, 0.05]
    assert late.get(reverse("survey_start", args=[open_round.pk])).status_code == 200


@pytest.mark.django_db
def test_a_phone_that_has_joined_is_not_counted_with_the_phones_still_typing(
    cast, open_round, slowed, monkeypatch
):
    limit = ratelimit.Limit("code", per_device=20, per_ip=3, slow_past_ip_limit=True)
    monkeypatch.setattr(ratelimit, "ROOM_CODE", limit)
    wrong = wrong_codes(open_round)
    joined = phone()
    join(joined, open_round)
    linked = phone()
    participant = cast.programme.participants.first()
    linked.get(reverse("participant_link", args=[participant.issue_link_token()]))
    for client in (joined, linked):
        assert try_code(client, next(wrong)) == 404
    for _phone in range(3):
        assert try_code(phone(), next(wrong)) == 404
    assert slowed == []  # the joined phones' two mistakes did not count for newcomers
    assert try_code(phone(), next(wrong)) == 404
    assert len(slowed) == 1  # the fourth newcomer's attempt was past the limit of three
    join(joined, open_round)
    assert try_code(linked, next(wrong)) == 404
    assert len(slowed) == 1  # joined phones are not held up by the newcomers' count
    # Joined sessions have a count of their own, so joining with one known code does not
    # buy fresh sessions to guess with at full speed.
    assert try_code(joined, next(wrong)) == 404
    assert len(slowed) == 2


@pytest.mark.django_db
def test_one_browser_that_keeps_guessing_is_refused(cast, open_round, slowed):
    wrong = wrong_codes(open_round)
    guesser = phone()
    for _attempt in range(ratelimit.ROOM_CODE.per_device):
        assert try_code(guesser, next(wrong)) == 404
    refused = guesser.post(reverse("join"), {"code": services.room_code(open_round)})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert guesser.get(reverse("join_code", args=[next(wrong)])).status_code == 429
    join(phone(), open_round)  # the phone beside it is not affected
    assert slowed == []


def test_the_delay_is_the_setting(settings):
    settings.RATE_LIMIT_DELAY = 0.05
    started = time.monotonic()
    ratelimit.slow_down()
    assert time.monotonic() - started >= 0.05


# --- Link tokens ---------------------------------------------------------------------------


def unknown_tokens():
    return (new_token()[0] for _ in itertools.count())


def refused_after_the_limits(open_link) -> None:
    """Unknown tokens: one browser is refused after per_device, an address after per_ip."""
    tokens = unknown_tokens()
    guesser = phone()
    for _attempt in range(ratelimit.LINK_TOKEN.per_device):
        assert open_link(guesser, next(tokens)).status_code != 429
    refused = open_link(guesser, next(tokens))
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    for _phone in range(ratelimit.LINK_TOKEN.per_ip - ratelimit.LINK_TOKEN.per_device):
        assert open_link(phone(), next(tokens)).status_code != 429
    assert open_link(phone(), next(tokens)).status_code == 429


@pytest.mark.django_db
def test_unknown_personal_links_are_counted_and_refused_past_the_limit(cast):
    def open_link(client, token):
        return client.get(reverse("participant_link", args=[token]))

    refused_after_the_limits(open_link)
    # A valid link from the same address (and the same browser) still opens.
    participant = cast.programme.participants.first()
    client = phone()
    response = open_link(client, participant.issue_link_token())
    assert response.status_code == 302
    assert client.get(response.url).status_code == 200


@pytest.mark.django_db
def test_an_unknown_personal_link_leaves_no_participant_in_the_session(cast):
    client = phone()
    participant = cast.programme.participants.first()
    client.get(reverse("participant_link", args=[participant.issue_link_token()]))
    response = client.get(reverse("participant_link", args=[next(unknown_tokens())]))
    assert response.status_code == 302
    assert "participant_token_hash" not in client.session
    assert client.get(response.url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["display", "display_live"])
def test_unknown_display_links_are_counted_and_refused_past_the_limit(cast, open_round, route):
    def open_link(client, token):
        return client.get(reverse(route, args=[token]))

    refused_after_the_limits(open_link)
    token = issue_display_token(seminar=open_round.seminar)
    assert open_link(phone(), token).status_code == 200


@pytest.mark.django_db
def test_an_expired_display_link_is_not_counted(cast, open_round):
    token = issue_display_token(seminar=open_round.seminar)
    open_round.seminar.display_valid_until = timezone.now() - datetime.timedelta(minutes=1)
    open_round.seminar.save(update_fields=["display_valid_until"])
    projector = phone()
    for _poll in range(ratelimit.LINK_TOKEN.per_device + 5):
        assert projector.get(reverse("display_live", args=[token])).status_code == 404


@pytest.mark.django_db
def test_unknown_invitations_are_counted_and_refused_past_the_limit(cast):
    def open_link(client, token):
        return client.get(reverse("invitation_accept", args=[token]))

    refused_after_the_limits(open_link)
    token, token_hash = new_token()
    ManagerInvitation.objects.create(
        programme=cast.programme,
        email="boss@skovby.dk",
        token_hash=token_hash,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    assert open_link(phone(), token).status_code == 302  # on to the token-free page
