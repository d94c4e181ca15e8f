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
   must be 0 or >= k. Otherwise the member of D(X) with the smallest n (ties: lowest unit id)
   is suppressed too and replaced in D(X) by its own maximal shown descendants, until the
   residual is 0 or >= k. Respondents who chose a non-leaf unit are part of its residual, so
   they are protected like a hidden child.
3. The root is shown iff the programme total is >= k; otherwise nothing is shown.

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


def maximal_shown_descendants(
    children: Mapping[GroupKey, list[int]], group: GroupKey, shown: set[GroupKey]
) -> list[int]:
    """Shown groups below group whose nearest shown ancestor is group, in tree order."""
    found: list[int] = []
    stack = list(reversed(children[group]))
    while stack:
        unit_id = stack.pop()
        if unit_id in shown:
            found.append(unit_id)
        else:
            stack.extend(reversed(children[unit_id]))
    return found


def _enforce_residuals(
    children: Mapping[GroupKey, list[int]],
    sizes: Mapping[GroupKey, int],
    shown: set[GroupKey],
    k: int,
    bottom_up: list[GroupKey],
) -> bool:
    """One pass of rule 2 over the shown groups, children first; True if it hid anything."""
    changed = False
    for group in bottom_up:
        if group not in shown:
            continue
        below = maximal_shown_descendants(children, group, shown)
        residual = sizes[group] - sum(sizes[unit_id] for unit_id in below)
        while 0 < residual < k:
            smallest = min(below, key=lambda unit_id: (sizes[unit_id], unit_id))
            shown.discard(smallest)
            below.remove(smallest)
            replacements = maximal_shown_descendants(children, smallest, shown)
            below.extend(replacements)
            residual += sizes[smallest] - sum(sizes[unit_id] for unit_id in replacements)
            changed = True
    return changed


def shown_groups(tree: UnitTree, own_counts: Mapping[int, int], k: int) -> set[GroupKey]:
    """The groups (unit ids, None for the root) whose figures may be shown."""
    _check_k(k)
    sizes = group_sizes(tree, own_counts)
    children = _children(tree)
    shown: set[GroupKey] = {group for group, n in sizes.items() if n >= k}
    # Hiding a member of D(X) changes no other group's D set (X stays shown), and hiding X
    # itself only frees X from the rule, so one pass settles everything; the loop merely
    # confirms that a second pass finds nothing. Children go first, so small groups are
    # settled before the groups that contain them.
    bottom_up: list[GroupKey] = [*reversed([node.id for node in tree.walk()]), ROOT]
    while _enforce_residuals(children, sizes, shown, k, bottom_up):
        pass
    return shown


def suppress(
    tree: UnitTree, own: Mapping[int, Sufficient], k: int
) -> dict[int | None, GroupResult]:
    """A result for the root (key None) and every unit, from own respondents' statistics."""
    _check_k(k)
    counts = {unit_id: stats.n for unit_id, stats in own.items()}
    sizes = group_sizes(tree, counts)
    shown = shown_groups(tree, counts, k)

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

    results: dict[int | None, GroupResult] = {}
    for group, n in sizes.items():
        if group in shown:
            results[group] = GroupResult(group, n, pooled[group].summary(), None)
        else:
            reason = SUPPRESSED_TOO_FEW if n < k else SUPPRESSED_COMPLEMENTARY
            results[group] = GroupResult(group, n, None, reason)
    return results
