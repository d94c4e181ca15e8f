"""A request body larger than anything the app takes is refused with a translated 413
before it is read (QUALITY I-2), on an anonymous phone route as on a staff route."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from surveys.models import Response


@pytest.mark.django_db
def test_a_huge_upload_to_a_phone_route_is_refused_unread():
    client = Client(HTTP_ACCEPT_LANGUAGE="da")
    big = SimpleUploadedFile("x.bin", b"0" * (settings.MAX_REQUEST_BYTES + 1))
    response = client.post(reverse("join"), {"code": "ABCDEF", "file": big})
    assert response.status_code == 413
    assert "For stort til at sende" in response.text
    assert Response.objects.count() == 0


@pytest.mark.django_db
def test_a_participant_list_at_the_limit_still_arrives(cast):
    client = Client()
    client.force_login(cast.facilitator)
    csv = SimpleUploadedFile("people.csv", b"name;email;unit\n" + b"x" * (5 * 1024 * 1024 - 100))
    response = client.post(reverse("participant_import", args=[cast.programme.pk]), {"file": csv})
    assert response.status_code != 413  # read and judged by the import, not the size guard


@pytest.mark.django_db
def test_a_content_length_that_is_not_a_number_is_a_400(client):
    response = client.generic("POST", reverse("join"), b"", CONTENT_LENGTH="many")
    assert response.status_code == 400
