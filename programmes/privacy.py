"""The privacy notice for participants (GDPR Art. 13): /privacy/, in plain words.

Every participant page links to it from its footer (`base_participant.html`), and the
printed link slips give its address. It never takes a programme from the URL: an id or a
token there would tell anyone who sees the address (a browser history, a proxy log) which
organisation is a client. The programme comes from the phone's session alone: the personal
link it opened, a room it sat in, a round it was let in to, or the room code of a shared
tablet. Without one, the page is the general notice and names "the organisation that
invited you".

A GET here changes nothing: it only reads the session (no key is set, so the session is not
saved) and the database (no row is written).

`programmes` imports no other app outside the report and the demo; the session's rooms and
rounds are followed through the reverse accessors of `Programme` (`seminars`, `rounds`) and
the session keys those apps write, spelt here and checked against theirs by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from programmes.access import session_participant
from programmes.inputs import parse_id
from programmes.models import Programme
from programmes.participants import KIOSK_SESSION_KEY, phone_language, render_participant

# The session keys the other apps write (tests/programmes/test_privacy_notice.py checks
# them against seminars.rooms.SEATS_SESSION_KEY and surveys.access.SURVEY_SESSION_KEY).
SEATS_SESSION_KEY = "seats"  # seminar id -> this phone's seat key in that room
SURVEY_SESSION_KEY = "surveys"  # round id -> this phone's standing in that round

SESSION_ENTRIES_READ = 20  # a phone that sat in more rooms than this is named by its latest


@dataclass(frozen=True)
class Authority:
    """A data protection authority a participant can complain to."""

    country: str
    name: str
    address: str


DATATILSYNET = Authority(_("In Denmark"), "Datatilsynet", "www.datatilsynet.dk")
IMY = Authority(_("In Sweden"), "Integritetsskyddsmyndigheten (IMY)", "www.imy.se")


def authorities(programme: Programme | None) -> list[Authority]:
    """The authority of the programme's country, told by its language; both when unknown."""
    if programme is not None and programme.language == Programme.Language.DANISH:
        return [DATATILSYNET]
    if programme is not None and programme.language == Programme.Language.SWEDISH:
        return [IMY]
    return [DATATILSYNET, IMY]


def _entries(request: HttpRequest, key: str) -> list[tuple[str, object]]:
    """A session dict's entries, the latest first; nothing if it is missing or malformed."""
    value = request.session.get(key)
    if not isinstance(value, dict):
        return []
    return list(reversed(list(value.items())))[:SESSION_ENTRIES_READ]


def session_programme(request: HttpRequest) -> Programme | None:
    """The programme this phone takes part in, from its session only; reads, never writes.

    The personal link first (it names the person's own programme), then the room it sat in
    last, then the round it was let in to last, then a shared tablet's room code.
    """
    live = Programme.objects.select_related("workspace")
    participant = session_participant(request)
    if participant is not None:
        programme = live.filter(pk=participant.programme_id).first()
        if programme is not None:
            return programme
    for seminar_id, key in _entries(request, SEATS_SESSION_KEY):
        seminar_pk = parse_id(str(seminar_id))
        if seminar_pk is None or not isinstance(key, str) or not key:
            continue
        programme = live.filter(seminars__pk=seminar_pk, seminars__seats__key=key).first()
        if programme is not None:
            return programme
    for round_id, _state in _entries(request, SURVEY_SESSION_KEY):
        round_pk = parse_id(str(round_id))
        if round_pk is None:
            continue
        programme = live.filter(rounds__pk=round_pk).first()
        if programme is not None:
            return programme
    code = request.session.get(KIOSK_SESSION_KEY)
    if isinstance(code, str) and code.strip():
        code = "".join(code.split()).upper()  # as surveys.models.normalise_room_code does
        in_room = (
            Q(seminars__room_code=code)
            | Q(seminars__sessions__room_code=code)
            | Q(rounds__room_code=code, rounds__state="open")
        )
        return live.filter(in_room).distinct().first()
    return None


@login_not_required
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice, naming the session's programme when there is one."""
    programme = session_programme(request)
    context = {
        "programme": programme,
        "authorities": authorities(programme),
        "k_floor": settings.MIN_GROUP_SIZE_FLOOR,
        "retention_end": None,
    }
    if programme is not None:
        from programmes import retention  # reads the seminars' and rounds' dates

        context["retention_end"] = retention.retention_end(programme)
    language = phone_language(request, default=programme.language) if programme else None
    return render_participant(request, "privacy.html", context, language=language)
