"""The privacy notice (/privacy/): plain words in da/sv/en, naming only the programme of the
phone's own session, a GET that changes nothing, one tap from every participant page, and
printed on the link slips.

Translations may not be compiled yet when these run, so texts are compared with what
`gettext` gives in the language at hand, never with literal Danish or Swedish.
"""

from __future__ import annotations

import html
import io
import re

import pytest
from django.conf import settings
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import resolve, reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from pypdf import PdfReader

from programmes import privacy
from programmes.forms import ProgrammeCreateForm, ProgrammeForm
from programmes.models import Programme
from programmes.participants import KIOSK_SESSION_KEY
from surveys import services as survey_services
from tests.factories import ParticipantFactory

PRIVACY_URL = "/privacy/"
SECTIONS = [
    "responsible",
    "stored",
    "not-stored",
    "who-sees",
    "how-long",
    "why",
    "rights",
    "complaints",
]
HEADINGS = [
    "About your data",
    "In short",
    "Who is responsible",
    "What is stored",
    "What is not stored",
    "Who sees what",
    "How long",
    "Why the data is processed",
    "Your rights",
    "Complaints",
]
RIGHTS = [
    "see the data about you (access)",
    "have wrong data corrected (rectification)",
    "have data erased (erasure)",
    "have the use of data limited (restriction)",
    "object to the use of data (objection)",
]
GENERAL = "The organisation that invited you is responsible for your data (the data controller)."
DATATILSYNET = "Datatilsynet, www.datatilsynet.dk"
IMY = "Integritetsskyddsmyndigheten (IMY), www.imy.se"
CONTACT = "HR, Skovby Kommune, hr@skovby.dk, 12 34 56 78"
DPO = "Databeskyttelsesrådgiver Jens Holm, dpo@skovby.dk"


def said(language: str, message: str, **values) -> str:
    with translation.override(language):
        return gettext(message) % values if values else gettext(message)


def page_text(response) -> str:
    """The page as text a reader sees: markup out, entities decoded, spaces folded."""
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(text))


def has(text: str, message: str) -> bool:
    return re.sub(r"\s+", " ", message) in text


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode())[1]


def open_link(client: Client, participant) -> None:
    token = participant.issue_link_token()
    response = client.get(reverse("participant_link", args=[token]))
    assert response.status_code == 302


def join_room(client: Client, round) -> None:
    response = client.post(reverse("join"), {"code": survey_services.room_code(round).lower()})
    assert response.status_code == 302


def set_up(programme: Programme, language: str, **fields) -> Programme:
    programme.language = language
    for name, value in fields.items():
        setattr(programme, name, value)
    programme.save()
    return programme


# --- The general notice, without a session ---------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["da", "sv", "en"])
def test_general_notice_in_every_language_without_login(client, language):
    response = client.get(PRIVACY_URL, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert html_lang(response) == language
    body = response.content.decode()
    text = page_text(response)
    for section in SECTIONS:
        assert f'id="{section}"' in body
    for heading in HEADINGS:
        assert has(text, said(language, heading)), heading
    for right in RIGHTS:
        assert has(text, said(language, right)), right
    assert has(text, said(language, GENERAL))
    assert has(text, said(language, "Taking part is voluntary."))
    assert DATATILSYNET in text and IMY in text  # no programme: both authorities
    assert has(
        text,
        said(
            language,
            "Everything is kept until 12 months after the programme’s last seminar or survey "
            "round, unless your organisation has chosen another period, and is then deleted.",
        ),
    )
    assert "<script" not in body  # works, and is the same, without JavaScript
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_language_the_phone_chose_wins_over_the_browsers(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    response = client.get(PRIVACY_URL, HTTP_ACCEPT_LANGUAGE="da")
    assert html_lang(response) == "sv"
    assert has(page_text(response), said("sv", "About your data"))


# --- The session's programme -----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "authorities"),
    [("da", [DATATILSYNET]), ("sv", [IMY]), ("en", [DATATILSYNET, IMY])],
)
def test_a_personal_link_names_the_programme_contacts_and_authority(
    client, cast, language, authorities
):
    programme = set_up(cast.programme, language, privacy_contact=CONTACT, dpo_contact=DPO)
    open_link(client, programme.participants.first())

    response = client.get(PRIVACY_URL)  # no Accept-Language: the programme's language

    assert response.status_code == 200
    assert html_lang(response) == language
    text = page_text(response)
    organisation = programme.organisation
    assert has(
        text,
        said(
            language,
            "%(organisation)s is responsible for your data (the data controller).",
            organisation=organisation,
        ),
    )
    assert has(
        text,
        said(
            language,
            "%(processor)s runs the programme and this app on behalf of %(organisation)s and "
            "only on its instructions (the data processor).",
            processor="Trivsel ApS",
            organisation=organisation,
        ),
    )
    assert CONTACT in text and DPO in text
    assert has(text, said(language, "To use your rights, contact %(contact)s.", contact=CONTACT))
    assert not has(text, said(language, GENERAL))
    for authority in (DATATILSYNET, IMY):
        assert (authority in text) == (authority in authorities)
    assert has(
        text,
        said(
            language,
            "Results are only shown for groups of at least %(k)s people. Smaller teams are "
            "counted with the unit above them.",
            k=programme.min_group_size,
        ),
    )
    with translation.override(language):
        kept = ngettext(
            "Everything is kept until %(months)s month after the programme’s last seminar or "
            "survey round, and is then deleted.",
            "Everything is kept until %(months)s months after the programme’s last seminar or "
            "survey round, and is then deleted.",
            programme.retention_months,
        ) % {"months": programme.retention_months}
    assert has(text, kept)


@pytest.mark.django_db
def test_without_contacts_the_page_says_whom_to_ask(client, cast):
    open_link(client, cast.programme.participants.first())
    text = page_text(client.get(PRIVACY_URL))
    assert has(
        text,
        said(
            "en",
            "To use your rights, ask your organisation, for example HR. Your facilitator can "
            "pass the request on.",
        ),
    )
    assert not has(text, said("en", "Data protection officer"))


@pytest.mark.django_db
def test_contacts_are_shown_as_text(client, cast):
    set_up(cast.programme, "en", privacy_contact='<img src=x onerror="alert(1)">')
    open_link(client, cast.programme.participants.first())
    body = client.get(PRIVACY_URL).content.decode()
    assert "<img" not in body
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in body


@pytest.mark.django_db
def test_a_phone_that_joined_a_room_sees_its_programme(client, cast, open_round):
    set_up(cast.programme, "da")
    join_room(client, open_round)
    assert set(client.session.keys()) >= {privacy.SEATS_SESSION_KEY, privacy.SURVEY_SESSION_KEY}

    text = page_text(client.get(PRIVACY_URL))

    assert cast.programme.organisation in text
    assert DATATILSYNET in text and IMY not in text


@pytest.mark.django_db
def test_each_session_entry_alone_finds_the_programme(cast, open_round):
    seat_client, round_client, kiosk_client = Client(), Client(), Client()
    join_room(seat_client, open_round)
    seats = seat_client.session[privacy.SEATS_SESSION_KEY]
    for client, key, value in (
        (seat_client, privacy.SEATS_SESSION_KEY, seats),
        (round_client, privacy.SURVEY_SESSION_KEY, {str(open_round.pk): {"done": False}}),
        (kiosk_client, KIOSK_SESSION_KEY, survey_services.room_code(open_round).lower()),
    ):
        session = client.session
        for other in list(session.keys()):
            session.pop(other)
        session[key] = value
        session.save()
        text = page_text(client.get(PRIVACY_URL))
        assert cast.programme.organisation in text, key
        assert not has(text, said("en", GENERAL)), key


@pytest.mark.django_db
def test_odd_session_values_give_the_general_notice(client, cast):
    session = client.session
    session[privacy.SEATS_SESSION_KEY] = {"x": "y", "²": "k", "1": 5}
    session[privacy.SURVEY_SESSION_KEY] = "not a dict"
    session[KIOSK_SESSION_KEY] = 7
    session.save()
    response = client.get(PRIVACY_URL)
    assert response.status_code == 200
    assert has(page_text(response), said("en", GENERAL))


@pytest.mark.django_db
def test_the_address_carries_no_programme_and_the_query_is_ignored(client, cast):
    token = cast.programme.participants.first().issue_link_token()
    assert reverse("privacy") == PRIVACY_URL
    match = resolve(PRIVACY_URL)
    assert match.route == "privacy/" and not match.args and not match.kwargs

    stranger = Client()
    response = stranger.get(
        PRIVACY_URL, {"p": token, "programme": cast.programme.pk, "token": token}
    )
    text = page_text(response)
    assert cast.programme.organisation not in text
    assert has(text, said("en", GENERAL))
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # no session was made

    # The link a participant page gives is the bare address, whatever brought the phone.
    client.get(reverse("participant_link", args=[token]))
    home = client.get(reverse("participant_home")).content.decode()
    assert re.findall(r'href="([^"]*privacy[^"]*)"', home) == [PRIVACY_URL]


# --- A GET changes nothing -------------------------------------------------------------


def database_snapshot() -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of all its rows."""
    snapshot = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            name = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f"FROM {name} AS t"
            )
            snapshot[table] = cursor.fetchone()
    return snapshot


@pytest.mark.django_db
def test_a_get_writes_no_row_and_leaves_the_session_alone(client, cast, open_round):
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL")
    open_link(client, cast.programme.participants.first())
    join_room(client, open_round)
    key = client.session.session_key
    session_before = dict(client.session.items())
    before = database_snapshot()
    assert before["django_session"][0] >= 1

    for _ in range(2):
        response = client.get(PRIVACY_URL)
        assert response.status_code == 200
        assert cast.programme.organisation in page_text(response)
        assert settings.SESSION_COOKIE_NAME not in response.cookies

    assert database_snapshot() == before
    assert client.session.session_key == key
    assert dict(client.session.items()) == session_before


# --- One tap from every participant page ------------------------------------------------


def footer_links(response) -> list[str]:
    body = response.content.decode()
    footer = re.search(r"<footer\b.*?</footer>", body, re.S)
    assert footer, "no footer"
    return re.findall(r'<a href="([^"]+)"', footer[0])


@pytest.mark.django_db
def test_participant_pages_link_to_the_notice(client, cast, open_round):
    pages = {}
    pages["join"] = client.get(reverse("join"))
    pages["not found"] = client.get("/no-such-page/")
    open_link(client, cast.programme.participants.first())
    pages["participant home"] = client.get(reverse("participant_home"))
    pages["survey start"] = client.get(reverse("survey_start", args=[open_round.pk]))
    room = Client()
    join_room(room, open_round)
    pages["survey start, room"] = room.get(reverse("survey_start", args=[open_round.pk]))
    pages["plan"] = room.get(reverse("plan_home"))
    pages["the notice itself"] = room.get(PRIVACY_URL)

    for name, response in pages.items():
        assert response.status_code in (200, 404), name
        assert footer_links(response) == [PRIVACY_URL], name
        assert has(page_text(response), said("en", "About your data")), name
    assert 'aria-current="page"' in pages["the notice itself"].content.decode()
    assert 'aria-current="page"' not in pages["join"].content.decode()


def test_the_link_is_in_the_base_outside_every_block():
    """Pages extending base_participant.html cannot drop the link: it is in no block."""
    with open(settings.BASE_DIR / "templates" / "base_participant.html", encoding="utf-8") as f:
        source = f.read()
    tail = source[source.rindex("{% endblock %}") :]
    assert '{% url "privacy" as privacy_url %}' in tail
    assert 'href="{{ privacy_url }}"' in tail


# --- The programme settings -------------------------------------------------------------


@pytest.mark.django_db
def test_programme_form_keeps_the_contacts(cast):
    programme = cast.programme
    form = ProgrammeForm(instance=programme)
    for name in ("privacy_contact", "dpo_contact"):
        assert name in form.fields
        assert form.fields[name].help_text
        assert not form.fields[name].required
    assert {"privacy_contact", "dpo_contact"} <= set(ProgrammeCreateForm.Meta.fields)
    data = {k: v for k, v in model_to_dict(programme).items() if k in form.fields}
    data.update(privacy_contact=f"  {CONTACT} ", dpo_contact=DPO)
    form = ProgrammeForm(data, instance=programme)
    assert form.is_valid(), form.errors
    form.save()
    programme.refresh_from_db()
    assert (programme.privacy_contact, programme.dpo_contact) == (CONTACT, DPO)


# --- The printed slips ------------------------------------------------------------------

MM = 72 / 25.4  # PDF points per millimetre
SLIP_HEIGHT = 68.5  # mm, as static/css/print.css lays the slips out
PAGE_MARGIN = 10  # mm


def issue_pdf(client, programme) -> bytes:
    response = client.post(
        reverse("participant_links", args=[programme.pk]), {"scope": "all", "format": "pdf"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def privacy_address() -> str:
    """The address printed for typing: the site without its scheme, then the page."""
    return settings.SITE_URL.split("://", 1)[-1] + PRIVACY_URL


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["da", "sv", "en"])
def test_every_slip_prints_the_notice_in_the_programme_language(client, cast, language):
    programme = set_up(cast.programme, language)
    count = programme.participants.count()
    client.force_login(cast.facilitator)

    pages = PdfReader(io.BytesIO(issue_pdf(client, programme))).pages
    text = "\n".join(page.extract_text() for page in pages)

    squeezed = re.sub(r"\s+", "", text)
    assert squeezed.count(privacy_address()) == count
    assert f"://{privacy_address()}" not in squeezed  # printed for typing, without a scheme
    flat = re.sub(r"\s+", " ", text)
    for message in ("Your answers are anonymous. Do not share this link.", "About your data:"):
        assert flat.count(said(language, message)) == count, message
    responsible = said(
        language,
        "Responsible for your data: %(organisation)s",
        organisation=programme.organisation,
    )
    assert flat.count(responsible) == count


def baselines_mm(page, needle: str) -> list[float]:
    """Distance in mm from the page's top to the baseline of every text run with `needle`."""
    found: list[float] = []
    height = float(page.mediabox.height)

    def visit(text, cm, tm, font_dict, font_size):
        if needle in text:
            y = tm[5] * cm[3] + cm[5]
            found.append((height - y) / MM)

    page.extract_text(visitor_text=visit)
    return found


@pytest.mark.django_db
def test_the_notice_stays_inside_each_slip_with_long_names(client, cast):
    """Two-line names, units and titles, a long organisation: the notice still ends inside
    its own slip, clear of the cut line, and never spills into the next one."""
    programme = set_up(
        cast.programme,
        "da",
        title="Social kapital i hjemmeplejen og sygeplejen i hele kommunen",
        organisation="Skovby Kommune, Ældre og Sundhed, Hjemmeplejen og Sygeplejen Nord",
    )
    programme.participants.all().delete()
    unit = cast.units["North Day"]
    unit.name = "Dagvagt, Team Østerbro og omegn"
    unit.save()
    ParticipantFactory.create_batch(
        4, unit=unit, programme=programme, name="Mette Kirstine Sørensen-Bækgaard Andersen"
    )
    client.force_login(cast.facilitator)

    page = PdfReader(io.BytesIO(issue_pdf(client, programme))).pages[0]

    lines = baselines_mm(page, "privacy/")
    assert len(lines) == 4
    for top in lines:
        within = (top - PAGE_MARGIN) % SLIP_HEIGHT
        assert 40 < within < SLIP_HEIGHT - 1.5, f"the address line is at {within:.1f} mm"


def test_session_keys_are_those_the_other_apps_write():
    from seminars.rooms import SEATS_SESSION_KEY
    from surveys.access import SURVEY_SESSION_KEY

    assert privacy.SEATS_SESSION_KEY == SEATS_SESSION_KEY
    assert privacy.SURVEY_SESSION_KEY == SURVEY_SESSION_KEY
