"""Minimum group size and no differencing over the whole unit tree (QUALITY N-1, N-2)."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from programmes.tree import UnitTree
from surveys.anonymity import (
    ROOT,
    SUPPRESSED_COMPLEMENTARY,
    SUPPRESSED_TOO_FEW,
    GroupResult,
    group_sizes,
    shown_groups,
    suppress,
)
from surveys.scoring import Sufficient

# Unit depth as UnitTree counts it (top units are 0). QUALITY asks for depth <= 4; allowing
# unit depth 0-4 (five levels below the programme) covers it however the root is counted.
MAX_UNIT_DEPTH = 4


# --- an independent reference: everything here is recomputed from the definitions ---------


def members(tree: UnitTree) -> dict[int | None, set[int]]:
    """The units in each group's subtree (the root holds every unit)."""
    groups: dict[int | None, set[int]] = {pk: tree.subtree_ids(pk) for pk in tree.nodes}
    groups[ROOT] = set(tree.nodes)
    return groups


def ancestry(tree: UnitTree) -> dict[int, list[int]]:
    """Each unit's ancestors, top first (the root None not included)."""
    return {unit_id: [a.id for a in tree.ancestors(unit_id)] for unit_id in tree.nodes}


def contains(ancestors: Mapping[int, list[int]], outer: int | None, inner: int) -> bool:
    """Whether inner lies strictly below outer."""
    return outer is None or outer in ancestors[inner]


def maximal_below(
    ancestors: Mapping[int, list[int]], group: int | None, shown: set[int | None]
) -> list[int]:
    """Shown groups strictly below group with no shown group between them and it."""
    found = []
    for unit_id in shown - {ROOT}:
        if not contains(ancestors, group, unit_id):
            continue
        chain = ancestors[unit_id]
        between = chain if group is None else chain[chain.index(group) + 1 :]
        if not any(a in shown for a in between):
            found.append(unit_id)
    return found


def assert_safe(tree: UnitTree, counts: Mapping[int, int], k: int, shown: set[int | None]):
    """N-1 and N-2 for one outcome, checked from scratch."""
    groups = members(tree)
    ancestors = ancestry(tree)
    sizes = {group: sum(counts.get(u, 0) for u in units) for group, units in groups.items()}
    # (d) no answer dropped: every group is exactly the sum of own counts in its subtree
    assert sizes[ROOT] == sum(counts.values())
    assert group_sizes(tree, counts) == sizes
    # (a) threshold
    assert all(sizes[group] >= k for group in shown)
    # (f) the root is shown iff the total reaches k; below it nothing is shown
    assert (ROOT in shown) == (sizes[ROOT] >= k)
    if sizes[ROOT] < k:
        assert shown == set()
    # (b) every nested pair of shown groups differs by 0 or >= k
    for outer in shown:
        for inner in shown - {ROOT}:
            if contains(ancestors, outer, inner):
                difference = sizes[outer] - sizes[inner]
                assert difference == 0 or difference >= k, (outer, inner, difference)
    # (c) every shown group minus its maximal shown descendants is 0 or >= k
    for group in shown:
        below = maximal_below(ancestors, group, shown)
        residual = sizes[group] - sum(sizes[unit_id] for unit_id in below)
        assert residual == 0 or residual >= k, (group, below, residual)


def threshold_only_is_safe(tree: UnitTree, counts: Mapping[int, int], k: int) -> bool:
    """Whether showing every group of k or more would already satisfy the residual rule."""
    sizes = group_sizes(tree, counts)
    candidate = {group for group, n in sizes.items() if n >= k}
    ancestors = ancestry(tree)
    for group in candidate:
        below = maximal_below(ancestors, group, candidate)
        residual = sizes[group] - sum(sizes[u] for u in below)
        if 0 < residual < k:
            return False
    return True


# --- hand examples (k = 5) ------------------------------------------------------------------


def tree_of(*rows: tuple[int, int | None, str]) -> UnitTree:
    return UnitTree.from_rows(rows)


A, B, C, P, P1, P2, Q = 1, 2, 3, 4, 5, 6, 7


def test_small_sibling_hides_its_larger_sibling_when_the_root_is_shown():
    tree = tree_of((A, None, "A"), (B, None, "B"))
    # A alone would leave root - A = 3 respondents: B's figure
    assert shown_groups(tree, {A: 7, B: 3}, 5) == {ROOT}
    results = suppress(tree, {A: Sufficient.of([50.0] * 7), B: Sufficient.of([0.0] * 3)}, 5)
    assert results[A].suppressed == SUPPRESSED_COMPLEMENTARY
    assert results[B].suppressed == SUPPRESSED_TOO_FEW
    assert results[ROOT].suppressed is None
    assert results[ROOT].shown_n == 10


def test_the_smallest_shown_sibling_is_the_one_hidden():
    tree = tree_of((A, None, "A"), (B, None, "B"), (C, None, "C"))
    # root - A - B = 2 reveals C; hiding B (6, smaller than A) leaves root - A = 8
    assert shown_groups(tree, {A: 7, B: 6, C: 2}, 5) == {ROOT, A}


def test_a_deep_tree_with_nothing_to_hide_shows_everything():
    tree = tree_of((P, None, "P"), (P1, P, "P1"), (P2, P, "P2"), (Q, None, "Q"))
    counts = {P1: 5, P2: 5, Q: 5}
    assert group_sizes(tree, counts) == {ROOT: 15, P: 10, P1: 5, P2: 5, Q: 5}
    assert shown_groups(tree, counts, 5) == {ROOT, P, P1, P2, Q}


def test_respondents_at_a_non_leaf_unit_are_a_hidden_child():
    tree = tree_of((P, None, "P"), (P1, P, "P1"), (P2, P, "P2"))
    counts = {P: 2, P1: 5, P2: 5}
    # P - P1 - P2 = 2 would reveal the two who chose P itself; the tie goes to the lower id
    assert shown_groups(tree, counts, 5) == {ROOT, P, P2}
    assert_safe(tree, counts, 5, shown_groups(tree, counts, 5))


def test_ties_go_to_the_lowest_id_not_the_name_so_a_rename_changes_nothing():
    counts = {P: 2, P1: 5, P2: 5}
    before = tree_of((P, None, "P"), (P1, P, "Alpha"), (P2, P, "Beta"))
    after = tree_of((P, None, "P"), (P1, P, "Zulu"), (P2, P, "Beta"))
    assert shown_groups(before, counts, 5) == shown_groups(after, counts, 5) == {ROOT, P, P2}


def test_a_hidden_group_is_replaced_by_its_own_shown_children():
    tree = tree_of((A, None, "A"), (A + 10, A, "A1"), (A + 11, A, "A2"), (B, None, "B"))
    counts = {A + 10: 5, A + 11: 5, B: 2}
    # root - A = 2: hide A; then root - A1 - A2 = 2: hide A1 (tie, lower id); root - A2 = 7
    assert shown_groups(tree, counts, 5) == {ROOT, A + 11}


def test_a_child_stays_shown_when_hiding_its_parent_is_enough():
    tree = tree_of((A, None, "A"), (A + 10, A, "A1"), (A + 11, A, "A2"), (B, None, "B"))
    counts = {A + 10: 6, A + 11: 2, B: 3}
    # Showing A would leave B (3) as root - A. Hiding A alone leaves root - A1 = 5: A2 and B
    # together, which nobody can split. (A greedy rule hid A1 too.)
    assert shown_groups(tree, counts, 5) == {ROOT, A + 10}
    assert_safe(tree, counts, 5, {ROOT, A + 10})


def test_a_group_of_four_beside_a_hidden_sibling_is_shown_when_k_is_three():
    # k = 3: A1 has 4, its sibling A2 has 1 (hidden), B has 2 (hidden). The greedy rule hid
    # A1 (A - A1 = 1), then A (root - A = 2): only the programme was left. Hiding A alone
    # leaves root - A1 = 3 people (A2 and B), and the four in A1 stay visible.
    tree = tree_of((A, None, "A"), (A + 10, A, "A1"), (A + 11, A, "A2"), (B, None, "B"))
    counts = {A + 10: 4, A + 11: 1, B: 2}
    assert greedy_shown(tree, counts, 3) == {ROOT}
    assert shown_groups(tree, counts, 3) == {ROOT, A + 10}
    assert_safe(tree, counts, 3, {ROOT, A + 10})


def test_below_the_minimum_nothing_is_shown_but_everything_is_counted():
    tree = tree_of((A, None, "A"), (B, None, "B"))
    results = suppress(tree, {A: Sufficient.of([10.0, 20.0]), B: Sufficient.of([30.0, 40.0])}, 5)
    assert all(result.suppressed == SUPPRESSED_TOO_FEW for result in results.values())
    assert results[ROOT].n == 4  # counted, but ...
    assert all(result.shown_n is None and result.summary is None for result in results.values())


def test_a_group_equal_to_its_only_child_is_shown_with_it():
    tree = tree_of((P, None, "P"), (P1, P, "P1"))
    assert shown_groups(tree, {P1: 6}, 5) == {ROOT, P, P1}  # differences of 0 reveal nothing


def test_empty_units_and_units_absent_from_the_input():
    tree = tree_of((A, None, "A"), (B, None, "B"))
    results = suppress(tree, {A: Sufficient.of([50.0] * 5)}, 5)
    assert list(results) == [ROOT, A, B]  # the root first, then tree order
    assert results[B] == GroupResult(B, 0, None, SUPPRESSED_TOO_FEW)
    assert results[A].shown and results[ROOT].shown


def test_bad_input_is_refused():
    tree = tree_of((A, None, "A"))
    with pytest.raises(ValueError, match="k must be"):
        shown_groups(tree, {A: 5}, 2)  # the app never allows less than 3
    with pytest.raises(ValueError, match="k must be"):
        suppress(tree, {}, True)
    with pytest.raises(ValueError, match=">= 0"):
        shown_groups(tree, {A: -1}, 5)
    with pytest.raises(ValueError, match="not in the tree"):
        shown_groups(tree, {A: 5, 99: 5}, 5)  # silently leaving 99 out would drop answers
    with pytest.raises(ValueError, match="not in the tree"):
        suppress(tree, {99: Sufficient.of([1.0])}, 5)


def test_shown_n_hides_the_size_of_a_suppressed_group():
    assert GroupResult(1, 7, None, SUPPRESSED_COMPLEMENTARY).shown_n is None
    assert not GroupResult(1, 7, None, SUPPRESSED_COMPLEMENTARY).shown
    assert GroupResult(None, 7, None, None).shown_n == 7


# --- the property test (QUALITY N-1/N-2 gate) -----------------------------------------------


# Strategies are built once: building them inside the draw loop costs most of the run time.
# Counts are mostly small, so that groups near k, and so violations, are common.
COUNTS = st.one_of(st.just(0), st.integers(0, 10), st.integers(0, 30))
UNITS = st.lists(
    st.tuples(st.integers(0, 40), st.sampled_from(["a", "b", "c", "ab", "ba"]), COUNTS),
    min_size=1,
    max_size=40,
)
KS = st.integers(3, 10)


@st.composite
def programmes(draw) -> tuple[list[tuple[int, int | None, str]], dict[int, int], int]:
    """A random unit forest (rows), own respondent counts per unit and a minimum size k."""
    units = draw(UNITS)
    ids = draw(st.permutations(range(1, len(units) + 1)))  # unrelated to tree or name order
    rows: list[tuple[int, int | None, str]] = []
    counts: dict[int, int] = {}
    depth: dict[int, int] = {}
    for unit_id, (pick, name, count) in zip(ids, units, strict=True):
        parents = [pk for pk, _, _ in rows if depth[pk] < MAX_UNIT_DEPTH]
        parent = parents[(pick - 1) % len(parents)] if pick and parents else None
        depth[unit_id] = 0 if parent is None else depth[parent] + 1
        rows.append((unit_id, parent, name))
        counts[unit_id] = count
    return rows, counts, draw(KS)


@settings(max_examples=1000, deadline=None)
@given(programmes())
def test_no_figure_below_k_and_no_differencing_on_random_trees(case):
    rows, counts, k = case
    tree = UnitTree.from_rows(rows)
    shown = shown_groups(tree, counts, k)
    assert_safe(tree, counts, k, shown)

    # (e) deterministic, also when rows and counts arrive in another order
    again = shown_groups(UnitTree.from_rows(reversed(rows)), dict(reversed(counts.items())), k)
    assert again == shown

    # sanity against needless hiding: nothing complementary when the threshold alone is safe
    sizes = group_sizes(tree, counts)
    candidate = {group for group, n in sizes.items() if n >= k}
    if threshold_only_is_safe(tree, counts, k):
        assert shown == candidate
    else:
        event("complementary suppression")
        assert shown < candidate


def greedy_shown(tree: UnitTree, counts: Mapping[int, int], k: int) -> set[int | None]:
    """The earlier rule, kept as a yardstick: hide the smallest member of D(X), children first."""
    sizes = group_sizes(tree, counts)
    ancestors = ancestry(tree)
    shown: set[int | None] = {group for group, n in sizes.items() if n >= k}
    order = [*reversed([node.id for node in tree.walk()]), ROOT]
    changed = True
    while changed:
        changed = False
        for group in order:
            if group not in shown:
                continue
            while True:
                below = maximal_below(ancestors, group, shown)
                residual = sizes[group] - sum(sizes[u] for u in below)
                if not 0 < residual < k:
                    break
                shown.discard(min(below, key=lambda u: (sizes[u], u)))
                changed = True
    return shown


def best_by_search(tree: UnitTree, counts: Mapping[int, int], k: int) -> int:
    """The most groups any safe choice shows, found by trying every subset."""
    sizes = group_sizes(tree, counts)
    if sizes[ROOT] < k:
        return 0
    ancestors = ancestry(tree)
    candidates = [group for group, n in sizes.items() if group is not ROOT and n >= k]
    best = 0
    for mask in range(1 << len(candidates)):
        chosen = {ROOT} | {g for i, g in enumerate(candidates) if mask >> i & 1}
        if len(chosen) <= best:
            continue
        if all(
            (r := sizes[g] - sum(sizes[u] for u in maximal_below(ancestors, g, chosen))) == 0
            or r >= k
            for g in chosen
        ):
            best = len(chosen)
    return best


@settings(max_examples=500, deadline=None)
@given(programmes())
def test_the_fewest_groups_are_hidden(case):
    """Never more hidden than the greedy rule, and as few as any safe choice on small trees."""
    rows, counts, k = case
    tree = UnitTree.from_rows(rows)
    shown = shown_groups(tree, counts, k)
    greedy = greedy_shown(tree, counts, k)
    assert_safe(tree, counts, k, greedy)
    assert len(shown) >= len(greedy)
    if len(shown) > len(greedy):
        event("fewer hidden than the greedy rule")
    sizes = group_sizes(tree, counts)
    if sum(1 for n in sizes.values() if n >= k) <= 12:
        assert len(shown) == best_by_search(tree, counts, k)


scores = st.sampled_from([0.0, 100 / 12, 25.0, 50.0, 62.5, 75.0, 100.0])


@settings(max_examples=200, deadline=None)
@given(programmes(), st.data())
def test_summaries_pool_the_whole_subtree(case, data):
    rows, counts, k = case
    tree = UnitTree.from_rows(rows)
    answers = {u: data.draw(st.lists(scores, min_size=n, max_size=n)) for u, n in counts.items()}
    results = suppress(tree, {u: Sufficient.of(values) for u, values in answers.items()}, k)

    groups = members(tree)
    assert set(results) == set(groups)
    shown = shown_groups(tree, counts, k)
    for group, result in results.items():
        pooled = [value for u in groups[group] for value in answers[u]]
        assert result.unit_id == group
        assert result.n == len(pooled)
        if group not in shown:
            assert result.summary is None and result.shown_n is None
            reason = SUPPRESSED_TOO_FEW if len(pooled) < k else SUPPRESSED_COMPLEMENTARY
            assert result.suppressed == reason
            continue
        assert result.suppressed is None and result.shown_n == len(pooled)
        assert result.summary is not None and result.summary.n == len(pooled)
        assert math.isclose(result.summary.mean, math.fsum(pooled) / len(pooled), abs_tol=1e-9)
        assert result.summary.high_share == sum(v >= 75 for v in pooled) / len(pooled)


# --- size -----------------------------------------------------------------------------------


def random_programme(rng: random.Random, size: int) -> tuple[UnitTree, dict[int, int]]:
    """A wide random tree of depth <= MAX_UNIT_DEPTH with many small groups."""
    rows: list[tuple[int, int | None, str]] = []
    depth: dict[int, int] = {}
    for unit_id in range(1, size + 1):
        parents = [pk for pk in depth if depth[pk] < MAX_UNIT_DEPTH]
        parent = rng.choice([None, *parents]) if parents else None
        depth[unit_id] = 0 if parent is None else depth[parent] + 1
        rows.append((unit_id, parent, f"unit {rng.randrange(1000)}"))
    return UnitTree.from_rows(rows), {pk: rng.randrange(0, 8) for pk in depth}


def test_five_hundred_units_are_safe():
    """Speed is measured in benchmarks/aggregation.py; here only the rules."""
    rng = random.Random(2024)
    for _ in range(3):
        tree, counts = random_programme(rng, 500)
        results = suppress(tree, {pk: Sufficient.of([50.0] * n) for pk, n in counts.items()}, 5)
        shown = {group for group, result in results.items() if result.shown}
        assert any(r.suppressed == SUPPRESSED_COMPLEMENTARY for r in results.values())
        assert_safe(tree, counts, 5, shown)
