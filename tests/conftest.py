"""Shared fixtures: a cast of users around two workspaces, and the real-parts guard."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.db import connection
from django.utils import translation

from programmes.models import Programme, Unit, User
from programmes.services import create_programme
from tests.factories import (
    MembershipFactory,
    ParticipantFactory,
    ProgrammeManagerFactory,
    UnitFactory,
    UserFactory,
    WorkspaceFactory,
)


def pytest_configure(config):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True, scope="session")
def real_parts_only(django_db_setup, django_db_blocker):
    """With REQUIRE_REAL_PARTS set (the README's test command sets it), refuse SQLite."""
    if os.environ.get("REQUIRE_REAL_PARTS"):
        with django_db_blocker.unblock():
            assert connection.vendor == "postgresql", (
                "The suite must run against PostgreSQL: set DATABASE_URL or use scripts/test."
            )


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _second_factor_not_required(settings):
    """Most tests sign in with force_login and test something else; the two-factor tests
    (tests/programmes/test_mfa.py) switch MFA_REQUIRED on. Pinned here so that the suite
    means the same whatever DEBUG the environment sets."""
    settings.MFA_REQUIRED = False


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in English: a request's language must not leak into the next test."""
    translation.activate("en")
    yield
    translation.activate("en")


@dataclass
class Cast:
    """Everyone who may knock on a programme's door."""

    programme: Programme
    units: dict[str, Unit]
    facilitator: User
    colleague: User  # another facilitator of the same workspace
    outsider: User  # a facilitator of another workspace
    manager: User  # manager of the whole programme
    limited_manager: User  # manager limited to the "North" subtree
    other_manager: User  # manager of a programme in another workspace
    nobody: User  # signed in, linked to nothing
    other_programme: Programme


@pytest.fixture
def cast(db) -> Cast:
    workspace = WorkspaceFactory(name="Trivsel ApS")
    facilitator = MembershipFactory(workspace=workspace, user=UserFactory(username="fac")).user
    colleague = MembershipFactory(
        workspace=workspace, user=UserFactory(username="colleague"), role="facilitator"
    ).user
    programme = create_programme(
        workspace=workspace, organisation="Skovby Kommune", title="Social kapital", language="en"
    )
    north = UnitFactory(programme=programme, name="North")
    units = {
        "North": north,
        "North Day": UnitFactory(programme=programme, parent=north, name="North Day"),
        "South": UnitFactory(programme=programme, name="South"),
    }
    for unit in units.values():
        ParticipantFactory.create_batch(2, unit=unit, programme=programme)

    other_workspace = WorkspaceFactory(name="Other Consultancy")
    outsider = MembershipFactory(
        workspace=other_workspace, user=UserFactory(username="outsider")
    ).user
    other_programme = create_programme(
        workspace=other_workspace, organisation="Other", title="Other programme", language="sv"
    )
    UnitFactory(programme=other_programme, name="Elsewhere")
    manager = ProgrammeManagerFactory(programme=programme, user=UserFactory(username="mgr")).user
    limited = ProgrammeManagerFactory(
        programme=programme, user=UserFactory(username="limited"), unit=north
    ).user
    other_manager = ProgrammeManagerFactory(
        programme=other_programme, user=UserFactory(username="othermgr")
    ).user
    return Cast(
        programme=programme,
        units=units,
        facilitator=facilitator,
        colleague=colleague,
        outsider=outsider,
        manager=manager,
        limited_manager=limited,
        other_manager=other_manager,
        nobody=UserFactory(username="nobody"),
        other_programme=other_programme,
    )


@pytest.fixture
def facilitator_client(client, cast):
    client.force_login(cast.facilitator)
    return client


@pytest.fixture
def open_round(cast):
    """The cast's programme with its standard questions and an open baseline round."""
    from surveys import services
    from surveys.models import Round

    services.get_or_create_setup(programme=cast.programme)
    round = Round.objects.create(
        programme=cast.programme,
        seminar=cast.programme.seminars.get(number=1),
        title="Baseline",
    )
    return services.open_round(round=round)


@pytest.fixture
def items(open_round):
    from surveys import services

    return services.survey_items(open_round.programme)
