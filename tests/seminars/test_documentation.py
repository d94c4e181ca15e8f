"""The seminar's documentation: the page, the PDF read back, and the share link."""

from __future__ import annotations

import io
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.crypto import salted_hmac
from pypdf import PdfReader

from seminars import evaluations
from seminars.models import (
    Board,
    Evaluation,
    EvaluationAnswer,
    EvaluationResponse,
    Post,
    Seminar,
)
from seminars.services import documentation_token
from tests.seminars.test_boards import phone, set_phase, write


@pytest.fixture
def documented(cast):
    """Seminar 1 with a board (one hidden post, one held by the name guard), notes and an
    evaluation with comments."""
    board = Board.objects.get(activity__seminar__programme=cast.programme, kind="good_examples")
    set_phase(board, "collect")
    writer = phone(board)
    write(writer, board, "Vi hjælper hinanden ved overlap")
    write(writer, board, "Æbler og pærer på personalestuen")
    write(writer, board, "Hidden complaint")
    Post.objects.filter(text="Hidden complaint").update(state="hidden")
    Post.objects.create(
        board=board,
        group=board.groups.create(),
        key=uuid.uuid4(),
        text="Held for review",
        state="review",
    )
    set_phase(board, "reveal")
    work = board.activity.seminar.activities.get(kind="discussion").group_work
    work.groups.create(name="Table 1", notes={"Challenges": "Søvn og skemaer på tværs"})
    evaluation = Evaluation.objects.get(activity__seminar=board.activity.seminar)
    asked = evaluations.asked_in(evaluation)
    scale = next(q for q in asked if q.kind == "scale")
    question = next(q for q in asked if q.kind == "text")
    for n in range(12):
        response = EvaluationResponse.objects.create(evaluation=evaluation, key=uuid.uuid4())
        EvaluationAnswer.objects.create(response=response, question=scale, value=4)
        EvaluationAnswer.objects.create(response=response, question=question, text=f"Secret {n}")
    evaluation.themes = "More time for the tables"
    evaluation.save()
    seminar = board.activity.seminar
    seminar.summary = "We agreed to try a longer overlap."
    seminar.save()
    return seminar


def pdf_text(body: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages), reader


@pytest.mark.django_db
def test_the_pdf_holds_what_the_room_made_and_nothing_it_must_not(cast, documented):
    client = Client()
    client.force_login(cast.manager)
    url = reverse("seminar_documentation_pdf", args=[cast.programme.pk, documented.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text, reader = pdf_text(response.content)
    for expected in (
        "Vi hjælper hinanden ved overlap",
        "Æbler og pærer",
        "Søvn og skemaer på tværs",
        "More time for the tables",
        "We agreed to try a longer overlap.",
        documented.title,
    ):
        assert expected in text, expected
    for hidden in ("Hidden complaint", "Held for review", "Secret 1"):
        assert hidden not in text, hidden
    assert str(reader.trailer["/Root"]["/Lang"]) == "en"
    assert documented.title in reader.metadata.title
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("+" in name for name in fonts)  # embedded subsets


@pytest.mark.django_db
def test_the_page_for_managers_and_the_summary_for_the_facilitator(cast, documented):
    url = reverse("seminar_documentation", args=[cast.programme.pk, documented.pk])
    manager = Client()
    manager.force_login(cast.manager)
    page = manager.get(url).content.decode()
    assert "Vi hjælper hinanden ved overlap" in page and "Secret" not in page
    assert manager.post(url, {"summary": "x"}).status_code == 404
    staff = Client()
    staff.force_login(cast.facilitator)
    assert staff.post(url, {"summary": "<script>x</script>"}).status_code == 302
    page = staff.get(url).content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page


@pytest.mark.django_db
def test_a_released_documentation_is_read_through_its_share_link(cast, documented):
    staff = Client()
    staff.force_login(cast.facilitator)
    release = reverse("documentation_release", args=[cast.programme.pk, documented.pk])
    assert staff.post(release, {"release": "1"}).status_code == 302
    page = staff.get(
        reverse("seminar_documentation", args=[cast.programme.pk, documented.pk])
    ).content.decode()
    token = shared_token(documented)
    shared = reverse("documentation_shared", args=[token])
    assert shared in page and "<svg" in page  # the link and its QR code
    reader = Client()
    response = reader.get(shared)
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"  # forms here must send their Origin
    assert "Vi hjælper hinanden ved overlap" in response.content.decode()
    assert reader.get(shared, {"format": "pdf"})["Content-Type"] == "application/pdf"
    assert staff.post(release, {"release": "1"}).status_code == 302  # a new link voids the old
    assert reader.get(shared).status_code == 404
    assert staff.post(release, {"release": "0"}).status_code == 302
    assert shared_token(documented) == ""  # withdrawn: no link to show or to open
    assert reader.get(reverse("documentation_shared", args=[token])).status_code == 404
    assert Client().get(reverse("documentation_shared", args=["nonsense"])).status_code == 404


def test_the_share_link_is_masked_in_logs():
    from programmes.logs import mask

    token = salted_hmac("seminars.documentation", "nonce", algorithm="sha256").hexdigest()
    path = reverse("documentation_shared", args=[token])
    assert token not in mask(f"GET {path} HTTP/1.1")


@pytest.mark.django_db
def test_releasing_can_send_the_link_to_participants_with_an_address(cast, documented, mailoutbox):
    staff = Client()
    staff.force_login(cast.facilitator)
    with_address = cast.programme.participants.exclude(email="").count()
    release = reverse("documentation_release", args=[cast.programme.pk, documented.pk])
    assert staff.post(release, {"release": "1", "email": "1"}).status_code == 302
    assert len(mailoutbox) == with_address > 0
    token = shared_token(documented)
    assert reverse("documentation_shared", args=[token]) in mailoutbox[0].body
    assert documented.title in mailoutbox[0].subject


def shared_token(seminar: Seminar) -> str:
    return documentation_token(Seminar.objects.get(pk=seminar.pk))
