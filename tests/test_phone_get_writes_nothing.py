"""GET changes no state on the pages without an account either (QUALITY S-4). Every route that
answers without a login, enumerated from the URLconf, is asked with GET by phones in the
states a phone really has: before joining, joined to the rooms (a round, a board, group work,
an evaluation and team plans open), halfway through the survey with a draft, after
submitting, with a personal link and a personal plan of its own, at a kiosk tablet, and with
an invitation link opened. The staff account pages, which need no login either, are asked by
the same phones.

After each GET no row of any table is added, removed or changed. Allowed to change: the
session table (a personal link's first GET moves its token into the session, as an invitation
link does), the cache and the failed-attempt counters; the projector's poll may store the
renewed live figures on its round. One narrow exception, ENTERING: the room code's own
address (the QR code's link, and the kiosk's start) takes the phone's seat in the room, as
typing the code does; it adds that one seat row and nothing else, and a phone that has its
seat adds none. Each GET starts from the state's saved session and cookies, so a GET that
resets a session (the kiosk) does not change the state the next route is asked in.

A new route without a login fails `test_every_route_without_a_login_is_swept` until it is
swept here or listed in EXCEPTIONS with a reason; a participant route no state reaches (only
404s and redirects) fails the sweep.

How we know it can fail: with a seat taken on board_phone's GET (rooms.take_seat instead of
rooms.session_seat in seminars.access._for_phone) it failed on seminars_seat for the phone
that had not joined, and with participant_home saving its participant it failed on the rows
updated in programmes_participant.
"""

from __future__ import annotations

import copy
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from actionplans.models import PlanningRun
from programmes.models import ManagerInvitation, WorkspaceInvitation, new_token
from seminars import services as seminar_services
from seminars.models import Board, Evaluation, GroupWork, Seminar, WorkGroup
from seminars.rooms import SEATS_SESSION_KEY
from surveys import services as survey_services
from surveys.models import Draft, Response
from surveys.views import pages
from tests.actionplans.test_personal import phone_with_link, share_code, start_plan

MAY_CHANGE = {"django_session", "django_cache", "programmes_ratecounter"}

# Routes without a login that this sweep does not ask, and why.
EXCEPTIONS: dict[str, str] = {}

# Routes whose GET may write one row, and why (QUALITY S-4 speaks of sessions and counters
# only: these are the design's choice, and the sweep holds them to that one row).
ENTERING = {
    "join_code": "the QR code's link enters the room as typing the code does: the seat",
    "kiosk_start": "a kiosk tablet starts each person afresh in the room: a new seat",
}
FRESH_EACH_TIME = {"kiosk_start"}  # the others add no seat for a phone that has one
SEAT_TABLE = "seminars_seat"
# The projector's poll stores the renewed live figures on its round (surveys.live).
MAY_UPDATE = {"display": {"surveys_round"}, "display_live": {"surveys_round"}}


def table_counts() -> dict[str, int]:
    """The row count of every table but those allowed to change, in one query."""
    with connection.cursor() as cursor:
        tables = [t for t in connection.introspection.table_names() if t not in MAY_CHANGE]
        counts = ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables)
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def table_contents() -> dict[str, str]:
    """A checksum of every row of every table but those allowed to change (updates too)."""
    with connection.cursor() as cursor:
        tables = [t for t in connection.introspection.table_names() if t not in MAY_CHANGE]
        sums = ", ".join(
            f"(SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM \"{t}\" r)"
            for t in tables
        )
        cursor.execute(f"SELECT {sums}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _without_login(entry: URLPattern) -> bool:
    return bool(entry.name) and getattr(entry.callback, "login_required", True) is False


def routes_without_login() -> set[str]:
    """The names of the URLconf's routes whose views need no login (Django's admin aside)."""
    names: set[str] = set()

    def walk(patterns) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace != "admin":
                    walk(entry.url_patterns)
            elif isinstance(entry, URLPattern) and _without_login(entry):
                names.add(entry.name)

    walk(get_resolver().url_patterns)
    return names


@dataclass
class Scene:
    """One programme with everything a phone can reach open at once."""

    round: object
    room_codes: list[str]
    board: Board
    work: GroupWork
    evaluation: Evaluation
    run: PlanningRun
    display_token: str
    documentation_token: str
    logbook_token: str
    participant_token: str
    plan_share_code: str
    manager_invitation_token: str
    workspace_invitation_token: str


def invitation_token(cast, kind: str) -> str:
    token, token_hash = new_token()
    expires = timezone.now() + datetime.timedelta(days=14)
    if kind == "manager":
        ManagerInvitation.objects.create(
            programme=cast.programme,
            email="new-manager@example.org",
            token_hash=token_hash,
            expires_at=expires,
        )
    else:
        WorkspaceInvitation.objects.create(
            workspace=cast.programme.workspace,
            email="new-facilitator@example.org",
            token_hash=token_hash,
            expires_at=expires,
        )
    return token


@pytest.fixture
def scene(cast, open_round) -> Scene:
    programme = cast.programme
    first, second = programme.seminars.get(number=1), programme.seminars.get(number=2)
    board = Board.objects.get(activity__seminar=first, kind="good_examples")
    Board.objects.filter(pk=board.pk).update(phase="collect", voting=True)
    work = GroupWork.objects.filter(activity__seminar=first).first()
    GroupWork.objects.filter(pk=work.pk).update(is_open=True, question="What do we see?")
    group = WorkGroup.objects.create(work=work, name="Table 1")
    logbook_token, group.logbook_token_hash = new_token()
    group.save(update_fields=["logbook_token_hash"])
    evaluation = Evaluation.objects.get(activity__seminar=first)
    Evaluation.objects.filter(pk=evaluation.pk).update(is_open=True)
    run = PlanningRun.objects.create(activity=second.activities.get(kind="planning"), is_open=True)
    plan_owner = phone_with_link(cast)
    start_plan(plan_owner)
    return Scene(
        round=open_round,
        room_codes=[first.room_code, second.room_code],
        board=board,
        work=work,
        evaluation=evaluation,
        run=run,
        display_token=seminar_services.issue_display_token(seminar=first),
        documentation_token=seminar_services.release_documentation(request=None, seminar=first),
        logbook_token=logbook_token,
        participant_token=cast.programme.participants.last().issue_link_token(),
        plan_share_code=share_code(plan_owner),
        manager_invitation_token=invitation_token(cast, "manager"),
        workspace_invitation_token=invitation_token(cast, "workspace"),
    )


def _round(name: str) -> Callable[[Scene], list[str]]:
    return lambda s: [reverse(name, args=[s.round.pk])]


def _survey_pages(s: Scene) -> list[str]:
    last = len(pages(survey_services.survey_items(s.round.programme)))
    return [reverse("survey_page", args=[s.round.pk, number]) for number in (1, last)]


# The participants' routes: the addresses to ask, from the scene.
PHONE_PAGES: dict[str, Callable[[Scene], list[str]]] = {
    # The room: joining by code, the kiosk, and what a seat opens.
    "join": lambda s: [reverse("join")],
    "join_code": lambda s: [reverse("join_code", args=[code]) for code in s.room_codes],
    "kiosk_start": lambda s: [reverse("kiosk_start", args=[s.room_codes[0]])],
    "kiosk_next": lambda s: [reverse("kiosk_next")],
    "participant_link": lambda s: [reverse("participant_link", args=[s.participant_token])],
    "participant_home": lambda s: [reverse("participant_home")],
    "board_phone": lambda s: [reverse("board_phone", args=[s.board.pk])],
    "board_post": lambda s: [reverse("board_post", args=[s.board.pk])],
    "board_vote": lambda s: [reverse("board_vote", args=[s.board.pk])],
    "group_phone": lambda s: [reverse("group_phone", args=[s.work.pk])],
    "group_join": lambda s: [reverse("group_join", args=[s.work.pk])],
    "group_notes": lambda s: [reverse("group_notes", args=[s.work.pk])],
    "evaluation_phone": lambda s: [reverse("evaluation_phone", args=[s.evaluation.pk])],
    "evaluation_submit": lambda s: [reverse("evaluation_submit", args=[s.evaluation.pk])],
    "phone_plans": lambda s: [reverse("phone_plans", args=[s.run.pk])],
    "phone_add_action": lambda s: [reverse("phone_add_action", args=[s.run.pk, 1])],
    "phone_action": lambda s: [reverse("phone_action", args=[s.run.pk, 1])],
    "phone_follow_up": lambda s: [reverse("phone_follow_up", args=[s.run.pk, 1])],
    "phone_difference": lambda s: [reverse("phone_difference", args=[s.run.pk, 1])],
    # The survey.
    "survey_start": _round("survey_start"),
    "survey_page": _survey_pages,
    "survey_review": _round("survey_review"),
    "survey_thanks": _round("survey_thanks"),
    # Personal plans, and a colleague's share link.
    **{
        name: (lambda name: lambda s: [reverse(name)])(name)
        for name in (
            "plan_home",
            "plan_start",
            "plan_recover",
            "plan_edit",
            "plan_reflect",
            "plan_share",
            "plan_download",
            "plan_erase",
            "plan_forget",
        )
    },
    "plan_shared": lambda s: [reverse("plan_shared", args=[s.plan_share_code])],
    # The wall, the released documentation and a working group's logbook.
    "display": lambda s: [reverse("display", args=[s.display_token])],
    "display_live": lambda s: [
        reverse("display_live", args=[s.display_token]),
        reverse("display_live", args=[s.display_token]) + "?v=0",
    ],
    "documentation_shared": lambda s: [
        reverse("documentation_shared", args=[s.documentation_token])
    ],
    "logbook": lambda s: [reverse("logbook", args=[s.logbook_token])],
    # Pages for everyone.
    "privacy": lambda s: [reverse("privacy")],
    "healthz": lambda s: [reverse("healthz")],
    "favicon": lambda s: [reverse("favicon")],
    "set_language": lambda s: [reverse("set_language") + "?language=da"],
}

# The invitation links and the staff account pages, as a phone would open them.
STAFF_PAGES: dict[str, Callable[[Scene], list[str]]] = {
    "invitation_accept": lambda s: [
        reverse("invitation_accept", args=[s.manager_invitation_token])
    ],
    "manager_invitation_continue": lambda s: [reverse("manager_invitation_continue")],
    "workspace_invitation": lambda s: [
        reverse("workspace_invitation", args=[s.workspace_invitation_token])
    ],
    "workspace_invitation_continue": lambda s: [reverse("workspace_invitation_continue")],
    **{
        name: (lambda name: lambda s: [reverse(name)])(name)
        for name in (
            "login",
            "logout",
            "password_reset",
            "password_reset_done",
            "password_reset_complete",
            "account_login",
            "account_logout",
            "account_inactive",
            "account_signup",
            "account_email",
            "account_email_verification_sent",
            "account_change_password",
            "account_set_password",
            "account_reset_password",
            "account_reset_password_done",
            "account_reset_password_from_key_done",
            "account_confirm_login_code",
            "mfa_authenticate",
            "mfa_login_webauthn",
        )
    },
    "password_reset_confirm": lambda s: [reverse("password_reset_confirm", args=["MQ", "x-y"])],
    "account_reset_password_from_key": lambda s: [
        reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "x-y"})
    ],
    "account_confirm_email": lambda s: [reverse("account_confirm_email", args=["x:y"])],
}
SWEPT = {**PHONE_PAGES, **STAFF_PAGES}


# Participant routes that answer GET with 405 (they only write), and those whose GET only
# ever leads on (a link that moves its token into the session, the icon, the language).
WRITE_ONLY = {
    "board_post",
    "board_vote",
    "group_join",
    "group_notes",
    "evaluation_submit",
    "phone_add_action",
    "phone_action",
    "phone_follow_up",
    "phone_difference",
}
ONLY_REDIRECTS = {"participant_link", "favicon", "set_language"}


# --- Phones in the states a phone has ------------------------------------------------------


@dataclass
class Phone:
    """A phone's browser in one state, saved so each GET starts from it."""

    state: str
    client: Client
    cookies: object = None
    session: dict | None = None

    def save(self) -> Phone:
        self.cookies = copy.deepcopy(self.client.cookies)
        self.session = dict(self.client.session.items())
        return self

    def restore(self) -> None:
        """Back to the saved state, even if the last GET flushed or replaced the session."""
        self.client.cookies = copy.deepcopy(self.cookies)
        morsel = self.cookies.get(settings.SESSION_COOKIE_NAME)
        if morsel is None:
            return
        store = SessionStore()
        Session.objects.update_or_create(
            session_key=morsel.value,
            defaults={
                "session_data": store.encode(self.session),
                "expire_date": timezone.now() + datetime.timedelta(hours=1),
            },
        )


def joined(scene: Scene) -> Client:
    client = Client()
    for code in scene.room_codes:
        response = client.post(reverse("join"), {"code": code})
        assert response.status_code in (200, 302), (code, response.status_code)
    return client


def answering(scene: Scene, cast) -> Client:
    """Joined, the language and unit chosen on the first page, the first page of questions
    answered: a draft."""
    client = joined(scene)
    round = scene.round
    client.post(reverse("survey_start", args=[round.pk]), {"language": "da"})
    client.post(reverse("survey_start", args=[round.pk]), {"unit": cast.units["South"].pk})
    first = pages(survey_services.survey_items(round.programme))[0]
    data = {f"item-{item.pk}": "4" for item in first}
    assert client.post(reverse("survey_page", args=[round.pk, 1]), data).status_code == 302
    return client


def submitted(scene: Scene, cast) -> Client:
    client = answering(scene, cast)
    round = scene.round
    items = survey_services.survey_items(round.programme)
    for number, page_items in enumerate(pages(items), start=1):
        data = {f"item-{item.pk}": "3" for item in page_items}
        client.post(reverse("survey_page", args=[round.pk, number]), data)
    review = client.get(reverse("survey_review", args=[round.pk])).content.decode()
    form = {
        "draft": re.search(r'name="draft" value="([^"]+)"', review).group(1),
        "key": re.search(r'name="key" value="([^"]+)"', review).group(1),
    }
    response = client.post(reverse("survey_review", args=[round.pk]), form)
    assert response.status_code == 303
    return client


def with_link_and_plan(scene: Scene, cast) -> Client:
    client = phone_with_link(cast)
    start_plan(client)
    return client


def phones(scene: Scene, cast) -> list[Phone]:
    made = [
        Phone("before joining", Client()),
        Phone("joined", joined(scene)),
        Phone("answering", answering(scene, cast)),
    ]
    assert Draft.objects.count() == 1
    made.append(Phone("submitted", submitted(scene, cast)))
    assert Response.objects.count() == 1
    made.append(Phone("personal link and plan", with_link_and_plan(scene, cast)))
    kiosk = Client()
    assert kiosk.get(reverse("kiosk_start", args=[scene.room_codes[0]])).status_code == 200
    made.append(Phone("kiosk", kiosk))
    invited = Client()
    invited.get(reverse("invitation_accept", args=[scene.manager_invitation_token]))
    invited.get(reverse("workspace_invitation", args=[scene.workspace_invitation_token]))
    made.append(Phone("invitation links opened", invited))
    return [phone.save() for phone in made]


# --- The tests ---------------------------------------------------------------------------


def test_every_route_without_a_login_is_swept():
    names = routes_without_login()
    missing = names - set(SWEPT) - set(EXCEPTIONS)
    assert not missing, f"routes without a login, neither swept nor excepted: {sorted(missing)}"
    assert not (set(SWEPT) | set(EXCEPTIONS)) - names, "entries for routes that are gone"
    assert all(reason.strip() for reason in EXCEPTIONS.values())


def rows_added(name: str, before: dict, after: dict, seated: bool) -> dict[str, int]:
    """Rows added (or removed) per table by one GET, beyond what it may add."""
    added = {t: after[t] - before[t] for t in before if after[t] != before[t]}
    if name in ENTERING and added == {SEAT_TABLE: 1} and not seated:
        return {}  # the phone took its seat in the room, nothing else
    return added


def rows_updated(name: str, before: dict, after: dict) -> set[str]:
    """Tables whose rows a route's GETs changed, beyond what they may."""
    allowed = MAY_UPDATE.get(name, set()) | ({SEAT_TABLE} if name in ENTERING else set())
    return {t for t in before if after[t] != before[t]} - allowed


def has_seat(phone: Phone, url: str) -> bool:
    """Whether the phone holds a seat in the room this entering address leads to."""
    code = url.strip("/").split("/")[1]
    seminar = Seminar.objects.get(room_code=code)
    return str(seminar.pk) in phone.session.get(SEATS_SESSION_KEY, {})


@pytest.mark.django_db
def test_no_phone_get_changes_a_row(cast, scene):
    everyone = phones(scene, cast)
    statuses: dict[int, int] = {}
    reached: set[str] = set()
    checked = 0
    for name, urls_of in sorted(SWEPT.items()):
        contents = table_contents()
        for url in urls_of(scene):
            for phone in everyone:
                phone.restore()
                seated = name in set(ENTERING) - FRESH_EACH_TIME and has_seat(phone, url)
                before = table_counts()
                response = phone.client.get(url)
                added = rows_added(name, before, table_counts(), seated)
                assert not added, (name, url, phone.state, response.status_code, added)
                assert response.status_code < 500, (name, url, phone.state)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code == 200:
                    reached.add(name)
                checked += 1
        updated = rows_updated(name, contents, table_contents())
        assert not updated, (name, "rows updated", updated)
    # Every participant page that answers GET was reached by some phone, not only refused.
    readable = {n for n in PHONE_PAGES if n not in WRITE_ONLY and n not in ONLY_REDIRECTS}
    assert readable <= reached, sorted(readable - reached)
    print(
        f"{checked} GETs over {len(SWEPT)} routes without a login, {len(everyone)} phone "
        f"states: no row changed; statuses {dict(sorted(statuses.items()))}"
    )
