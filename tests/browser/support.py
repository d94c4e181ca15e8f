"""Data and page helpers shared by the browser tests."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Page, expect

from programmes.models import Participant, Programme, User
from programmes.services import create_programme
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    ParticipantFactory,
    ProgrammeManagerFactory,
    UnitFactory,
    UserFactory,
    WorkspaceFactory,
)


@dataclass
class Setup:
    facilitator: User
    programme: Programme
    participant: Participant
    participant_token: str


def build_programme(language: str = "en") -> Setup:
    """A facilitator's programme with units, participants, a manager and a personal link."""
    workspace = WorkspaceFactory(name="Trivsel ApS")
    facilitator = MembershipFactory(workspace=workspace, user=UserFactory(username="fac")).user
    programme = create_programme(
        workspace=workspace,
        organisation="Skovby Kommune, Ældreplejen",
        title="Social kapital i hjemmeplejen",
        language=language,
    )
    north = UnitFactory(programme=programme, name="Hjemmeplejen Nord")
    day = UnitFactory(programme=programme, parent=north, name="Dagvagt")
    UnitFactory(programme=programme, name="Hjemmeplejen Syd")
    participants = ParticipantFactory.create_batch(3, unit=day, programme=programme)
    ProgrammeManagerFactory(
        programme=programme,
        user=UserFactory(username="mgr", first_name="Mette", last_name="Hansen"),
    )
    ProgrammeManagerFactory(programme=programme, user=UserFactory(username="lim"), unit=north)
    participant = participants[0]
    token = participant.issue_link_token()
    return Setup(facilitator, programme, participant, token)


def log_in(page: Page, username: str) -> None:
    """Sign in through the real login form."""
    page.goto("/accounts/login/")
    form = page.locator("#main form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    expect(page.locator("form[action$='/logout/']")).to_have_count(1)
