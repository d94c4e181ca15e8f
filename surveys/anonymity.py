"""Which group figures may be shown: the minimum group size and no differencing.

Pure Python and standard library only, so it runs without the database; the rules are the
ones in DOMAIN.md ("Anonymity") and QUALITY.md N-1/N-2. Suppression is decided once per
round and measure over the WHOLE programme tree; a view may filter the result to a manager's
subtree but must never suppress again on its own, or differences between views could leak.

A unit's group is its own respondents plus those of its whole subtree; the programme itself
is a virtual root (key ``None``) whose group is everybody. The rules:

1. Threshold: a group is shown only if n >= k. A hidden group's respondents still count in
   every ancestor, so no answer is ever dropped from a total.
2. No differencing: for a shown group X, let D(X) be its maximal shown descendants (shown
   groups in X's subtree whose nearest shown ancestor is X). The residual n(X) - sum n(D(X))
   must be 0 or >= k. Respondents who chose a non-leaf unit are part of its residual, so
   they are protected like a hidden child.
3. The root is shown iff the programme total is >= k; otherwise nothing is shown.

Among all choices that keep these rules, `shown_groups` takes the one that hides the fewest
groups (then the fewest respondents, then the lowest unit ids: never names, so a rename
changes nothing). A greedy rule ("hide the smallest member of D(X)") hid more than needed:
with a child A1 of 6 beside a child A2 of 2 and a sibling B of 3 (k = 5), it hid A1 to
protect A2, then A because B was exposed, although the programme (11) and A1 (6) alone leave
a block of 5 and are safe together.

Why rule 2 is enough: the residuals cut the respondents into disjoint blocks, each empty or of
at least k people, and every shown group is a union of blocks. Any set that can be computed by
adding and subtracting shown groups is therefore a union of blocks too: empty or >= k people.
In particular the difference of two nested shown groups is 0 or >= k.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from programmes.tree import UnitTree
from surveys.scoring import Sufficient, Summary

# Mirrors config.settings.MIN_GROUP_SIZE_FLOOR (no Django imports here): the app refuses less.
MIN_GROUP_SIZE_FLOOR = 3

ROOT: None = None  # the key of the programme-level group (everybody)

SUPPRESSED_TOO_FEW = "too_few"
SUPPRESSED_COMPLEMENTARY = "complementary"

GroupKey = int | None


@dataclass(frozen=True)
class GroupResult:
    """One group's figure for one round and measure; views must use shown_n, never n."""

    unit_id: int | None  # None is the programme-level root
    n: int  # internal only: rendering a suppressed group's n would defeat the suppression
    summary: Summary | None  # None when suppressed or when the group is empty
    suppressed: str | None  # SUPPRESSED_TOO_FEW, SUPPRESSED_COMPLEMENTARY or None when shown

    @property
    def shown(self) -> bool:
        """Whether the figure may be shown at all."""
        return self.suppressed is None

    @property
    def shown_n(self) -> int | None:
        """The group size to render, or None when the group is suppressed."""
        return self.n if self.suppressed is None else None


def _check_k(k: int) -> None:
    """Refuse a minimum group size below the floor the app enforces."""
    if isinstance(k, bool) or not isinstance(k, int) or k < MIN_GROUP_SIZE_FLOOR:
        raise ValueError(f"k must be an integer >= {MIN_GROUP_SIZE_FLOOR}, got {k!r}")


def _children(tree: UnitTree) -> dict[GroupKey, list[int]]:
    """Child ids of every group, the root's children being the tree's top units."""
    children: dict[GroupKey, list[int]] = {ROOT: [node.id for node in tree.roots]}
    for node in tree.walk():
        children[node.id] = [child.id for child in node.children]
    return children


def group_sizes(tree: UnitTree, own_counts: Mapping[int, int]) -> dict[GroupKey, int]:
    """Respondents in every unit's subtree, and everybody under the root key None."""
    unknown = [unit_id for unit_id in own_counts if unit_id not in tree]
    if unknown:  # leaving them out would silently drop answers from the totals
        raise ValueError(f"respondents for units not in the tree: {sorted(map(repr, unknown))}")
    for unit_id, count in own_counts.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"unit {unit_id}: count must be an integer >= 0, got {count!r}")
    order = [node.id for node in tree.walk()]
    sizes: dict[GroupKey, int] = {unit_id: own_counts.get(unit_id, 0) for unit_id in order}
    for unit_id in reversed(order):  # children before parents
        parent_id = tree.nodes[unit_id].parent_id
        if parent_id is not None and parent_id in sizes:
            sizes[parent_id] += sizes[unit_id]
    sizes[ROOT] = sum(sizes[node.id] for node in tree.roots)
    return {ROOT: sizes[ROOT], **{unit_id: sizes[unit_id] for unit_id in order}}


# A choice's worth, compared as a tuple: first the number of groups shown, then the
# respondents in them (hide small groups rather than large ones), then a bit per shown unit
# by ascending id (on a full tie the lower id is hidden). All three add up over disjoint
# subtrees, so the best choice for a tree is made of best choices for its subtrees.
Worth = tuple[int, int, int]
NOTHING: Worth = (0, 0, 0)


def _plus(a: Worth, b: Worth) -> Worth:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


@dataclass(frozen=True)
class _Option:
    """The best choice in a subtree that leaves `open` respondents uncovered (capped at k)."""

    worth: Worth
    shown: bool  # whether the subtree's own unit is shown
    children: tuple[int, ...] | None  # each child's `open` in this choice; None: all hidden


def _options(
    unit_id: GroupKey,
    children: Mapping[GroupKey, list[int]],
    own: int,
    table: Mapping[int, dict[int, _Option]],
    k: int,
) -> dict[int, tuple[Worth, tuple[int, ...]]]:
    """Best worth below a group for each number of respondents its shown groups leave over."""
    reach: dict[int, tuple[Worth, tuple[int, ...]]] = {min(own, k): (NOTHING, ())}
    for child in children[unit_id]:
        merged: dict[int, tuple[Worth, tuple[int, ...]]] = {}
        for left, (worth, picks) in reach.items():
            for open_, option in table[child].items():
                total = min(left + open_, k)
                candidate = _plus(worth, option.worth)
                if total not in merged or candidate > merged[total][0]:
                    merged[total] = (candidate, (*picks, open_))
        reach = merged
    return reach


def shown_groups(tree: UnitTree, own_counts: Mapping[int, int], k: int) -> set[GroupKey]:
    """The groups (unit ids, None for the root) whose figures may be shown.

    Of all choices that keep rules 1-3, the one that shows the most groups (then the most
    respondents, then the higher ids). A dynamic programme over the tree finds it exactly: what
    a subtree's choice means to the groups above it is only how many of its respondents no
    shown group inside it covers, and only whether that number is 0, 1, ..., k-1 or >= k.
    """
    _check_k(k)
    sizes = group_sizes(tree, own_counts)
    if sizes[ROOT] < k:
        return set()
    children = _children(tree)
    bit = {unit_id: 1 << rank for rank, unit_id in enumerate(sorted(tree.nodes))}
    table: dict[int, dict[int, _Option]] = {}
    for node in reversed(list(tree.walk())):  # children before parents
        if sizes[node.id] < k:  # nothing in it can be shown
            table[node.id] = {sizes[node.id]: _Option(NOTHING, False, None)}
            continue
        reach = _options(node.id, children, own_counts.get(node.id, 0), table, k)
        options = {open_: _Option(worth, False, picks) for open_, (worth, picks) in reach.items()}
        for residual in (0, k):  # rule 2: shown, what it leaves over is 0 or >= k
            if residual not in reach:
                continue
            worth, picks = reach[residual]
            worth = _plus(worth, (1, sizes[node.id], bit[node.id]))
            if 0 not in options or worth > options[0].worth:
                options[0] = _Option(worth, True, picks)
        table[node.id] = options

    reach = _options(ROOT, children, 0, table, k)
    root_picks = max(
        (reach[residual] for residual in (0, k) if residual in reach), key=lambda pick: pick[0]
    )[1]
    shown: set[GroupKey] = {ROOT}
    stack = list(zip(children[ROOT], root_picks, strict=True))
    while stack:
        unit_id, open_ = stack.pop()
        option = table[unit_id][open_]
        if option.shown:
            shown.add(unit_id)
        if option.children is not None:
            stack.extend(zip(children[unit_id], option.children, strict=True))
    return shown


def pool(tree: UnitTree, own: Mapping[int, Sufficient]) -> dict[GroupKey, Sufficient]:
    """Every group's statistics: its own respondents' plus its whole subtree's."""
    pooled: dict[GroupKey, Sufficient] = {
        node.id: own.get(node.id, Sufficient()) for node in tree.walk()
    }
    for node in reversed(list(tree.walk())):  # children before parents
        if node.parent_id is not None and node.parent_id in pooled:
            pooled[node.parent_id] = pooled[node.parent_id] + pooled[node.id]
    total = Sufficient()
    for node in tree.roots:
        total = total + pooled[node.id]
    pooled[ROOT] = total
    return pooled


def suppress(
    tree: UnitTree, own: Mapping[int, Sufficient], k: int
) -> dict[int | None, GroupResult]:
    """A result for the root (key None) and every unit, from own respondents' statistics."""
    _check_k(k)
    counts = {unit_id: stats.n for unit_id, stats in own.items()}
    sizes = group_sizes(tree, counts)
    shown = shown_groups(tree, counts, k)
    pooled = pool(tree, own)

    results: dict[int | None, GroupResult] = {}
    for group, n in sizes.items():
        if group in shown:
            results[group] = GroupResult(group, n, pooled[group].summary(), None)
        else:
            reason = SUPPRESSED_TOO_FEW if n < k else SUPPRESSED_COMPLEMENTARY
            results[group] = GroupResult(group, n, None, reason)
    return results


def combine(
    batches: list[tuple[Mapping[GroupKey, GroupResult], Mapping[GroupKey, Sufficient]]],
    k: int,
) -> dict[GroupKey, GroupResult]:
    """One figure per group over batches of respondents that were published one after another.

    Each batch is suppressed on its own (its tree, its k), as it was when it was published. A
    group's figure over all batches is shown only where every batch with respondents in the
    group shows the group. Why that is safe over time: each batch cuts its respondents into
    blocks of 0 or >= k (the module docstring), the batches are disjoint, and every figure
    ever shown (a batch's alone, before later batches came, or the sum over batches) is a
    union of blocks. So is anything computed from any set of them, however many exports a
    reader saved between publications.
    """
    keys: list[GroupKey] = []
    for results, _pooled in batches:
        keys += [key for key in results if key not in keys]
    combined: dict[GroupKey, GroupResult] = {}
    for key in keys:
        parts = [(results.get(key), pooled.get(key)) for results, pooled in batches]
        n = sum(result.n for result, _stats in parts if result is not None)
        shown = n > 0 and all(
            result is None or result.n == 0 or result.shown for result, _stats in parts
        )
        if shown:
            total = Sufficient()
            for _result, stats in parts:
                total = total + (stats or Sufficient())
            combined[key] = GroupResult(key, n, total.summary(), None)
        else:
            reason = SUPPRESSED_TOO_FEW if n < k else SUPPRESSED_COMPLEMENTARY
            combined[key] = GroupResult(key, n, None, reason)
    return combined
