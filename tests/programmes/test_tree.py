"""The unit tree as plain data."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from programmes.tree import UnitTree, normalise_path

ROWS = [
    (1, None, "Hjemmeplejen"),
    (2, 1, "Nord"),
    (3, 1, "Syd"),
    (4, 2, "Nat"),
    (5, None, "Administration"),
]


def test_walk_is_depth_first_in_name_order():
    tree = UnitTree.from_rows(ROWS)
    assert [n.name for n in tree.walk()] == ["Administration", "Hjemmeplejen", "Nord", "Nat", "Syd"]
    assert [n.depth for n in tree.walk()] == [0, 0, 1, 2, 1]


def test_paths_and_subtrees():
    tree = UnitTree.from_rows(ROWS)
    assert tree.path(4) == "Hjemmeplejen / Nord / Nat"
    assert tree.subtree_ids(1) == {1, 2, 3, 4}
    assert tree.subtree_ids(4) == {4}
    assert tree.by_path()["hjemmeplejen / nord / nat"] == 4


def test_moves_into_own_subtree_are_refused():
    tree = UnitTree.from_rows(ROWS)
    assert not tree.can_move(1, 4)
    assert not tree.can_move(2, 2)
    assert tree.can_move(4, 5)
    assert tree.can_move(2, None)


def test_choices_leave_out_the_moving_subtree():
    tree = UnitTree.from_rows(ROWS)
    assert [pk for pk, _ in tree.choices(exclude_subtree_of=2)] == [5, 1, 3]


def test_normalise_path():
    assert normalise_path(" Hjemmeplejen/  Nord ") == "hjemmeplejen / nord"
    assert normalise_path("A \\ B") == "a / b"


@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=40))
def test_any_forest_walks_every_node_once(parents):
    rows = [(i + 1, (p if 0 < p <= i else None), f"u{i}") for i, p in enumerate(parents)]
    tree = UnitTree.from_rows(rows)
    walked = [n.id for n in tree.walk()]
    assert sorted(walked) == [r[0] for r in rows]
    for pk, parent, _ in rows:
        if parent is not None:
            assert pk in tree.subtree_ids(parent)
            assert not tree.can_move(parent, pk)
