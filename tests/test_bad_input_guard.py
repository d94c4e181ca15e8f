"""Input no database can store, and numbers spelled in other scripts: a 4xx, never a 500.

A NUL character anywhere in the path, the query string, the form or the session cookie is
refused with the translated 400 page before a session or the database is touched; ids read
by hand from request data go through `programmes.inputs.parse_id`, ASCII digits only.
"""

from __future__ import annotations

import html
import logging
import re
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from programmes.inputs import parse_id
from programmes.models import AuditEntry, Participant, ParticipantImport, RateCounter

DANISH_400 = "Der var noget galt med forespørgslen"
URLENCODED = "application/x-www-form-urlencoded"
# Digits that str.isdigit() or int() accept but that are not ASCII.
OTHER_DIGITS = ["²", "①", "٣", "１", "߃", "𝟗"]


def snapshot() -> tuple[list, ...]:
    """Every row of the tables these requests could touch."""
    return (
        list(Participant.objects.order_by("pk").values_list()),
        list(ParticipantImport.objects.order_by("pk").values_list()),
        list(AuditEntry.objects.order_by("pk").values_list("pk")),
        list(RateCounter.objects.order_by("key").values_list()),
        list(Session.objects.order_by("session_key").values_list("session_key")),
    )


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def participants_url(cast) -> str:
    return reverse("participants", args=[cast.programme.pk])


def links_url(cast) -> str:
    return reverse("participant_links", args=[cast.programme.pk])


# --- parse_id -------------------------------------------------------------------------


def reference_id(value: str) -> int | None:
    """What parse_id must answer, spelled differently."""
    if value and len(value) <= 18 and all(char in "0123456789" for char in value):
        return int(value)
    return None


@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789", max_size=25),
        st.text(alphabet=["0", "7", "9", " ", "\n", "\x00", "-", "+", "_", *OTHER_DIGITS]),
    )
)
def test_parse_id_reads_ascii_digits_only(value):
    assert parse_id(value) == reference_id(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0),
        ("42", 42),
        ("007", 7),
        ("9" * 18, 10**18 - 1),
        ("9" * 19, None),
        ("", None),
        (None, None),
        ("4\n", None),
        (" 4", None),
        ("+4", None),
        ("-4", None),
        ("4_2", None),
        ("²", None),
        ("①", None),
        ("٣", None),
    ],
)
def test_parse_id_examples(value, expected):
    assert parse_id(value) == expected


# --- Ids in other scripts -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("digit", OTHER_DIGITS)
def test_links_scope_in_other_digits_is_refused_with_a_message(facilitator_client, cast, digit):
    before = snapshot()
    response = facilitator_client.post(links_url(cast), {"scope": digit})
    assert response.status_code == 302
    assert response["Location"] == participants_url(cast)
    assert flashed(response) == ["Choose which participants should get new links."]
    assert snapshot() == before


@pytest.mark.django_db
def test_links_scope_with_a_real_id_in_arabic_indic_digits_issues_nothing(facilitator_client, cast):
    """int() reads '٤٢' as 42: the same participant must not be reachable in two spellings."""
    participant = cast.programme.participants.first()
    spelled = str(participant.pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    before = snapshot()
    response = facilitator_client.post(links_url(cast), {"scope": spelled})
    assert response.status_code == 302
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("scope", ["9" * 19, "9" * 40, "0x1", "1e3", " 1", "1 "])
def test_links_scope_that_is_no_id_is_refused(facilitator_client, cast, scope):
    before = snapshot()
    response = facilitator_client.post(links_url(cast), {"scope": scope})
    assert response.status_code == 302
    assert flashed(response) == ["Choose which participants should get new links."]
    assert snapshot() == before


@pytest.mark.django_db
def test_links_scope_in_ascii_digits_still_issues_one_link(facilitator_client, cast):
    participant = cast.programme.participants.first()
    response = facilitator_client.post(links_url(cast), {"scope": str(participant.pk)})
    assert response.status_code == 200
    participant.refresh_from_db()
    assert participant.link_issued_at is not None


@pytest.mark.django_db
def test_import_confirm_with_the_staged_id_in_other_digits_imports_nothing(
    facilitator_client, cast
):
    csv = b"Name;E-mail;Unit\r\nMette Hansen;mette@example.dk;South\r\n"
    upload = SimpleUploadedFile("p.csv", csv, content_type="text/csv")
    page = facilitator_client.post(
        reverse("participant_import", args=[cast.programme.pk]), {"file": upload}
    )
    staged = re.search(r'name="staged" value="(\d+)"', page.content.decode()).group(1)
    spelled = staged.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    before = snapshot()
    response = facilitator_client.post(
        reverse("participant_import_confirm", args=[cast.programme.pk]), {"staged": spelled}
    )
    assert response.status_code == 302
    assert flashed(response) == ["This import has expired. Upload the file again."]
    assert snapshot() == before


# --- NUL characters -------------------------------------------------------------------


def nul_requests(cast) -> dict[str, tuple[str, str, dict]]:
    """Where a NUL can hide: (method, path, keyword arguments for the test client)."""
    participants = participants_url(cast)
    join = reverse("join")
    return {
        "room code in the path": ("get", "/j/AB%00CDE/", {}),
        "personal link in the path": ("get", "/p/abc%00def/", {}),
        "programme page path": ("get", participants + "%00/", {}),
        "search value": ("get", participants + "?q=%00", {}),
        "search value inside text": ("get", participants + "?q=Mette%00Hansen", {}),
        "query key": ("get", participants + "?%00=1", {}),
        "urlencoded form value": (
            "post",
            join,
            {"data": urlencode({"code": "AB\x00CDE"}), "content_type": URLENCODED},
        ),
        "urlencoded form key": (
            "post",
            join,
            {"data": urlencode({"code": "ABCDE", "x\x00": "1"}), "content_type": URLENCODED},
        ),
        "multipart form value": ("post", join, {"data": {"code": "AB\x00CDE"}}),
        "multipart form key": ("post", join, {"data": {"code": "ABCDE", "\x00": "1"}}),
        "form beside a file upload": (
            "post",
            reverse("participant_import", args=[cast.programme.pk]),
            {
                "data": {
                    "file": SimpleUploadedFile("p.csv", b"Name;E-mail;Unit\r\n"),
                    "note": "\x00",
                }
            },
        ),
        "links scope": ("post", links_url(cast), {"data": {"scope": "1\x00"}}),
    }


NUL_CASES = [
    "room code in the path",
    "personal link in the path",
    "programme page path",
    "search value",
    "search value inside text",
    "query key",
    "urlencoded form value",
    "urlencoded form key",
    "multipart form value",
    "multipart form key",
    "form beside a file upload",
    "links scope",
]


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [True, False], ids=["facilitator", "anonymous"])
@pytest.mark.parametrize("case", NUL_CASES)
def test_nul_anywhere_is_a_translated_400_before_the_database(
    cast, django_assert_num_queries, case, signed_in
):
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="da")
    if signed_in:
        client.force_login(cast.facilitator)
    method, path, kwargs = nul_requests(cast)[case]
    before = snapshot()
    with django_assert_num_queries(0):
        response = getattr(client, method)(path, **kwargs)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert DANISH_400 in page
    assert '<html lang="da">' in page
    assert snapshot() == before


@pytest.mark.django_db
def test_nul_in_the_session_cookie_is_a_400(client, django_assert_num_queries):
    client.cookies[settings.SESSION_COOKIE_NAME] = "abcdefgh\x00ijklmnop"
    with django_assert_num_queries(0):
        response = client.get(reverse("participant_home"))
    assert response.status_code == 400


@pytest.mark.django_db
def test_the_reported_requests_answer_400_not_500(cast):
    """The three requests a security sweep found answering 500."""
    client = Client(raise_request_exception=False)
    assert client.get("/j/AB%00CDE/").status_code == 400
    client.force_login(cast.facilitator)
    assert client.get(participants_url(cast) + "?q=%00").status_code == 400
    for scope in ("²", "①"):
        assert client.post(links_url(cast), {"scope": scope}).status_code == 302


@pytest.mark.django_db
def test_nul_join_attempts_log_no_error_and_count_nothing(caplog):
    """Refused before the rate limit, the session and the database: a warning, no traceback."""
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.INFO):
        for _attempt in range(30):
            assert client.get("/j/AB%00CDE/").status_code == 400
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert [r for r in caplog.records if r.exc_info] == []
    assert not RateCounter.objects.exists()
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_clean_requests_pass_the_guard(cast, facilitator_client):
    search = facilitator_client.get(participants_url(cast), {"q": "Mette Hansen ²①٣ ÆØÅ %"})
    assert search.status_code == 200
    upload = SimpleUploadedFile("p.csv", b"Name;E-mail;Unit\r\nBo Ek;;South\r\n")
    staged = facilitator_client.post(
        reverse("participant_import", args=[cast.programme.pk]), {"file": upload}
    )
    assert staged.status_code == 200
    assert 'name="staged"' in staged.content.decode()


@pytest.mark.django_db
def test_nul_bytes_inside_an_uploaded_file_are_the_import_form_s_business(facilitator_client, cast):
    """File contents are not form values: the import explains a binary file itself."""
    upload = SimpleUploadedFile("p.csv", b"Name;E-mail;Unit\r\nBo\x00 Ek;;South\r\n")
    before = snapshot()
    response = facilitator_client.post(
        reverse("participant_import", args=[cast.programme.pk]), {"file": upload}
    )
    assert response.status_code == 422
    assert snapshot() == before


# --- Oversized bodies still answer 400 --------------------------------------------------


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_is_a_400(client):
    body = urlencode({"code": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = client.post(reverse("join"), body, content_type=URLENCODED)
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", [URLENCODED, None], ids=["urlencoded", "multipart"])
def test_too_many_fields_is_a_400(client, content_type):
    fields = {f"f{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    if content_type:
        response = client.post(reverse("join"), urlencode(fields), content_type=content_type)
    else:
        response = client.post(reverse("join"), fields)
    assert response.status_code == 400


# --- Arbitrary text ------------------------------------------------------------------

odd_text = st.one_of(
    st.text(),
    st.text(alphabet=["1", "2", "\x00", " ", "a", "%", "_", *OTHER_DIGITS], max_size=20),
    st.sampled_from(["all", "unissued", "", "\x00", "1\x00", "²", "٣", "9" * 19]),
)


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scope=odd_text)
def test_links_scope_never_answers_5xx(facilitator_client, cast, scope):
    before = snapshot()
    response = facilitator_client.post(links_url(cast), {"scope": scope})
    assert response.status_code < 500
    if response.status_code != 200:  # only a valid scope issues links
        assert snapshot() == before


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=odd_text, page=odd_text)
def test_participants_search_never_answers_5xx(facilitator_client, cast, query, page):
    before = snapshot()
    response = facilitator_client.get(participants_url(cast), {"q": query, "page": page})
    assert response.status_code < 500
    assert snapshot() == before
