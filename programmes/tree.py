"""The unit tree as plain data: paths, subtrees and safe moves, without the database."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

PATH_SEPARATOR = " / "


@dataclass
class Node:
    id: int
    parent_id: int | None
    name: str
    children: list[Node] = field(default_factory=list)
    depth: int = 0


class UnitTree:
    """Units of one programme, indexed for the questions views and services ask."""

    def __init__(self, nodes: dict[int, Node]) -> None:
        self.nodes = nodes
        self.roots: list[Node] = []
        for node in nodes.values():
            parent = nodes.get(node.parent_id) if node.parent_id is not None else None
            if parent is None:
                self.roots.append(node)
            else:
                parent.children.append(node)
        for siblings in [self.roots, *(n.children for n in nodes.values())]:
            siblings.sort(key=lambda n: (n.name.casefold(), n.id))
        for node in self.walk():
            node.depth = 0 if node.parent_id is None else nodes[node.parent_id].depth + 1

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, int | None, str]]) -> UnitTree:
        return cls({pk: Node(pk, parent_id, name) for pk, parent_id, name in rows})

    def __len__(self) -> int:
        return len(self.nodes)

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self.nodes

    def walk(self, start: Iterable[Node] | None = None) -> Iterator[Node]:
        """Depth-first, siblings in name order: the order a tree is read in."""
        stack = list(reversed(list(self.roots if start is None else start)))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def ancestors(self, unit_id: int) -> list[Node]:
        """From the top of the tree down to the unit's parent."""
        chain: list[Node] = []
        node = self.nodes[unit_id]
        while node.parent_id is not None:
            node = self.nodes[node.parent_id]
            chain.append(node)
        return list(reversed(chain))

    def path(self, unit_id: int) -> str:
        names = [n.name for n in self.ancestors(unit_id)] + [self.nodes[unit_id].name]
        return PATH_SEPARATOR.join(names)

    def subtree_ids(self, unit_id: int) -> set[int]:
        return {node.id for node in self.walk([self.nodes[unit_id]])}

    def by_path(self) -> dict[str, int]:
        """Lower-cased full paths to unit ids, for matching imported rows."""
        return {normalise_path(self.path(node.id)): node.id for node in self.walk()}

    def can_move(self, unit_id: int, new_parent_id: int | None) -> bool:
        """A unit may move anywhere except into itself or below itself."""
        return new_parent_id is None or new_parent_id not in self.subtree_ids(unit_id)

    def choices(self, exclude_subtree_of: int | None = None) -> list[tuple[int, str]]:
        """(id, indented label) pairs in tree order, for a select box."""
        excluded = self.subtree_ids(exclude_subtree_of) if exclude_subtree_of else set()
        return [
            (node.id, "\u2003" * node.depth + node.name)
            for node in self.walk()
            if node.id not in excluded
        ]


def normalise_path(path: str) -> str:
    """'Elder care/ Home care  North' and 'elder care / home care north' match."""
    parts = [" ".join(part.split()) for part in path.replace("\\", "/").split("/")]
    return PATH_SEPARATOR.join(part for part in parts if part).casefold()
