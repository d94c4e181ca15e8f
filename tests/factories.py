"""factory-boy factories for the programme data every test needs."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from programmes.models import Membership, Participant, Programme, ProgrammeManager, Unit, Workspace

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = "Test"
    password = factory.django.Password(PASSWORD)


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Consultancy {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.OWNER


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    workspace = factory.SubFactory(WorkspaceFactory)
    organisation = "Skovby Kommune"
    title = factory.Sequence(lambda n: f"Programme {n}")
    language = "en"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    programme = factory.SubFactory(ProgrammeFactory)
    parent = None
    name = factory.Sequence(lambda n: f"Unit {n}")


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    unit = factory.SubFactory(UnitFactory)
    programme = factory.LazyAttribute(lambda p: p.unit.programme)
    name = factory.Sequence(lambda n: f"Participant {n}")
    email = factory.Sequence(lambda n: f"participant{n}@example.org")


class ProgrammeManagerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeManager

    programme = factory.SubFactory(ProgrammeFactory)
    user = factory.SubFactory(UserFactory)
    unit = None


def answer_round(round, unit, value: int, count: int = 1) -> None:
    """Submit complete answer sheets through the services, as phones in the room would."""
    from surveys import services

    items = services.survey_items(round.programme)
    for _ in range(count):
        draft = services.new_draft(round=round, language="en", unit=unit)
        services.save_answers(draft=draft, answers={i.pk: value for i in items})
        services.submit(
            round_id=draft.round_id, draft_id=draft.pk, key=draft.idempotency_key, participant=None
        )


def closed_round(programme, title: str, answers: dict) -> object:
    """A round opened, answered ({unit: (value, count)}) and closed."""
    from surveys import services
    from surveys.models import Round

    services.get_or_create_setup(programme=programme)
    round = services.open_round(round=Round.objects.create(programme=programme, title=title))
    for unit, (value, count) in answers.items():
        answer_round(round, unit, value, count)
    return services.close_round(round=round)
