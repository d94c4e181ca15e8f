"""Survey fixtures: the cast's programme with its standard questions and an open round."""

from __future__ import annotations

import pytest

from surveys import services
from surveys.models import Round


@pytest.fixture
def open_round(cast) -> Round:
    services.get_or_create_setup(programme=cast.programme)
    round = Round.objects.create(
        programme=cast.programme,
        seminar=cast.programme.seminars.get(number=1),
        title="Baseline",
    )
    return services.open_round(round=round)


@pytest.fixture
def items(open_round):
    return services.survey_items(open_round.programme)
