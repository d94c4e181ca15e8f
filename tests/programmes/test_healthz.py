import pytest
from django.db import connection


@pytest.mark.django_db
def test_healthz_answers_200_after_a_database_round_trip(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    """Point the connection at a closed port; the shared PostgreSQL is left alone."""
    settings_dict = dict(connection.settings_dict)
    if connection.vendor == "postgresql":
        settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", "9"
        settings_dict["OPTIONS"] = {**settings_dict.get("OPTIONS", {}), "connect_timeout": 1}
        settings_dict["OPTIONS"].pop("pool", None)
    else:
        settings_dict["NAME"] = "/nonexistent/dir/db.sqlite3"
    broken = connection.__class__(settings_dict, alias="broken")
    monkeypatch.setattr("programmes.views.connection", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_healthz_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405
