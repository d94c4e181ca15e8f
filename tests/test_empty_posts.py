"""A staff form sent with nothing in it says what is missing (422), never shows itself blank
as if nothing had been sent (`programmes.htmx.posted`)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from programmes.models import AuditEntry
from tests.test_access_matrix import kwargs_for

# Forms whose every submission needs at least one field.
FORM_ROUTES = [
    "programme_edit",
    "units",
    "participants",
    "managers",
    "rounds",
    "round_detail",
    "activity_edit",
    "event_edit",
    "plans",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", FORM_ROUTES)
def test_an_empty_post_to_a_form_is_a_422_with_a_message(client, cast, name):
    client.force_login(cast.facilitator)
    url = reverse(name, kwargs=kwargs_for(name, cast))
    before = AuditEntry.objects.count()
    response = client.post(url, {})
    assert response.status_code == 422, (name, response.status_code)
    text = response.content.decode()
    assert 'aria-invalid="true"' in text or "errorlist" in text, name
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["programme_create", "workspace_create"])
def test_an_empty_post_to_a_create_form_is_a_422(client, cast, name):
    client.force_login(cast.facilitator)
    response = client.post(reverse(name), {})
    assert response.status_code == 422, (name, response.status_code)
