"""One results layer: the view parses the selection, `build` returns frozen results that the
page, the export and the report read alike, and the subtree rule is `ProgrammeAccess.sees`."""

from __future__ import annotations

import dataclasses

import pytest
from django.http import QueryDict

from programmes.access import get_programme_access
from surveys import dashboard
from surveys.dashboard import Selection
from tests.surveys.test_results_dashboard import two_rounds  # noqa: F401 (a fixture)


def test_the_selection_is_parsed_from_the_query_and_ignores_what_is_not_an_id():
    query = QueryDict("unit=12&before=3&after=x&heat=%00")
    assert Selection.from_query(query) == Selection(unit_id=12, before_id=3)
    assert Selection.from_query(QueryDict("")) == Selection()


@pytest.mark.django_db
def test_the_results_are_frozen_and_equal_for_equal_selections(cast, two_rounds):  # noqa: F811
    access = get_programme_access(cast.facilitator, cast.programme.pk)
    first = dashboard.build(access, Selection(), language="en")
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.unit_id = 1
    again = dashboard.build(access, Selection(), language="en")
    assert [row.after for row in first.changes] == [row.after for row in again.changes]
    assert first.changes and first.before != first.after


@pytest.mark.django_db
def test_a_unit_outside_what_the_viewer_sees_falls_back_to_their_default(cast, two_rounds):  # noqa: F811
    south = cast.units["South"]
    foreign = cast.other_programme.units.first()
    facilitator = get_programme_access(cast.facilitator, cast.programme.pk)
    assert dashboard.build(facilitator, Selection(unit_id=south.pk), language="en").unit_id == (
        south.pk
    )
    assert (
        dashboard.build(facilitator, Selection(unit_id=foreign.pk), language="en").unit_id is None
    )
    limited = get_programme_access(cast.limited_manager, cast.programme.pk)
    chosen = dashboard.build(limited, Selection(unit_id=south.pk), language="en")
    assert chosen.unit_id == cast.units["North"].pk  # not theirs: their own unit instead
    assert [value for value, _label in chosen.unit_choices] == [
        str(cast.units["North"].pk),
        str(cast.units["North Day"].pk),
    ]
    assert all(name != cast.programme.organisation for name, _d, _c in chosen.heatmap)
