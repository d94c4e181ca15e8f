"""The access helpers later views build on: role and unit scope of a programme."""

from __future__ import annotations

import pytest
from django.http import Http404

from programmes.access import get_programme_access, get_unit_for_access


@pytest.mark.django_db
def test_roles_and_scopes(cast):
    assert get_programme_access(cast.facilitator, cast.programme.pk).role == "facilitator"
    manager = get_programme_access(cast.manager, cast.programme.pk)
    assert (manager.role, manager.visible_unit_ids) == ("manager", None)
    limited = get_programme_access(cast.limited_manager, cast.programme.pk)
    north, day = cast.units["North"], cast.units["North Day"]
    assert limited.visible_unit_ids == {north.pk, day.pk}
    for user in (cast.outsider, cast.other_manager, cast.nobody):
        with pytest.raises(Http404):
            get_programme_access(user, cast.programme.pk)


@pytest.mark.django_db
def test_unit_lookup_stays_inside_the_scope(cast):
    limited = get_programme_access(cast.limited_manager, cast.programme.pk)
    assert get_unit_for_access(limited, cast.units["North Day"].pk) == cast.units["North Day"]
    with pytest.raises(Http404):
        get_unit_for_access(limited, cast.units["South"].pk)
    facilitator = get_programme_access(cast.facilitator, cast.programme.pk)
    with pytest.raises(Http404):
        get_unit_for_access(facilitator, cast.other_programme.units.first().pk)


@pytest.mark.django_db
def test_the_subtree_rule_for_every_branch(cast):
    """`ProgrammeAccess.sees` is the one rule every view, export and report filters with."""
    north, day, south = cast.units["North"], cast.units["North Day"], cast.units["South"]
    other = cast.other_programme.units.first()
    facilitator = get_programme_access(cast.facilitator, cast.programme.pk)
    manager = get_programme_access(cast.manager, cast.programme.pk)
    limited = get_programme_access(cast.limited_manager, cast.programme.pk)
    # Not limited (a facilitator or a whole-programme manager): the root and every unit.
    for access in (facilitator, manager):
        assert access.sees_whole_programme
        assert access.sees(None) and all(access.sees(u.pk) for u in (north, day, south))
    # Limited: the limiting unit and what lies under it, never the root, never beside it.
    assert not limited.sees_whole_programme
    assert not limited.sees(None)
    assert limited.sees(north.pk) and limited.sees(day.pk)
    assert not limited.sees(south.pk)
    assert not limited.sees(other.pk)  # another programme's unit is never in the subtree
    tree = cast.programme.unit_tree()
    assert [node.id for node in limited.visible_nodes(tree)] == [north.pk, day.pk]
    assert [node.id for node in manager.visible_nodes(tree)] == [n.id for n in tree.walk()]
