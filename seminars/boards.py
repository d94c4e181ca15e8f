"""What a board shows, to each audience, as frozen data (DESIGN.md "What each audience sees").

The wall never shows a post waiting for review or hidden, never a seat's own dots, and
never a post's unit unless that unit has at least k seats in the room. Phones see visible
posts and their own dots. The facilitator's control view sees every post, with the review
queue, but nothing that says who wrote one. Each function reads a board in a constant
number of queries, whatever its size.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Sum

from seminars.models import Board, Post, PostGroup, Seat, Vote
from seminars.rooms import Opening, openings_for
from surveys.models import MEASURE_LABELS, Element


@dataclass(frozen=True)
class Card:
    pk: int
    text: str
    unit: str  # empty unless the unit may be named (k seats in the room)
    column: str
    state: str
    held_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    """A post group as it is shown: its title, its cards, and its dots when they are shown."""

    pk: int
    title: str
    dimension: str
    cards: tuple[Card, ...]
    dots: int | None = None
    rank: int | None = None
    tied: bool = False
    in_report: bool = False

    @property
    def merged(self) -> bool:
        return len(self.cards) > 1

    @property
    def dimension_label(self) -> str:
        return str(MEASURE_LABELS.get(self.dimension, "")) if self.dimension else ""


@dataclass(frozen=True)
class Counts:
    seats: int
    posts: int  # written, whatever became of them
    hidden: int
    waiting: int  # for the facilitator's review
    voters: int


@dataclass(frozen=True)
class BoardView:
    board: Board
    items: tuple[Item, ...]
    ranking: tuple[Item, ...]  # empty while totals are hidden from this audience
    counts: Counts
    max_dots: int = 0  # the largest total, to scale the bars

    @property
    def columns(self) -> list[tuple[str, str, list[Item]]]:
        """A now-picture board's items by column (what works / what is hard)."""
        if self.board.kind != Board.Kind.NOW_PICTURE:
            return []
        return [
            (value, label, [item for item in self.items if _column(item) == value])
            for value, label in Post.Column.choices
        ]


DIMENSIONS = [(value, label) for value, label in Element.choices]


def _column(item: Item) -> str:
    return item.cards[0].column if item.cards else ""


def counts(board: Board) -> Counts:
    posts = Counter(Post.objects.filter(board=board).values_list("state", flat=True))
    return Counts(
        seats=Seat.objects.filter(seminar_id=board.activity.seminar_id).count(),
        posts=sum(posts.values()),
        hidden=posts[Post.State.HIDDEN],
        waiting=posts[Post.State.REVIEW],
        voters=Vote.objects.filter(board=board).values("seat").distinct().count(),
    )


def _nameable_units(board: Board, k: int) -> set[int]:
    seated = (
        Seat.objects.filter(seminar_id=board.activity.seminar_id, unit__isnull=False)
        .values("unit")
        .annotate(n=Count("pk"))
    )
    return {row["unit"] for row in seated if row["n"] >= k}


def _totals(board: Board) -> dict[int, int]:
    rows = Vote.objects.filter(board=board).values("group").annotate(dots=Sum("dots"))
    return {row["group"]: row["dots"] for row in rows}


def _items(board: Board, posts: list[Post], nameable: set[int] | None, totals) -> list[Item]:
    """Items in board order, each with its posts; `nameable` None names every unit."""
    groups = {group.pk: group for group in PostGroup.objects.filter(board=board)}
    cards: dict[int, list[Card]] = {}
    for post in posts:
        named = post.unit is not None and (nameable is None or post.unit_id in nameable)
        cards.setdefault(post.group_id, []).append(
            Card(
                post.pk,
                post.text,
                post.unit.name if named else "",
                post.column,
                post.state,
                tuple(reason for reason in post.held_for.split(",") if reason),
            )
        )
    items = []
    for pk, group_cards in cards.items():
        group = groups[pk]
        title = group.title or group_cards[0].text
        items.append(
            Item(
                pk,
                title,
                group.dimension,
                tuple(group_cards),
                totals.get(pk),
                in_report=group.in_report,
            )
        )
    order = {value: i for i, (value, _label) in enumerate(DIMENSIONS)}
    return sorted(items, key=lambda item: (order.get(item.dimension, len(order)), item.pk))


def rank(items: list[Item]) -> tuple[Item, ...]:
    """Items by dots, most first; equal dots share a rank and are marked as a tie."""
    ordered = sorted(items, key=lambda item: (-(item.dots or 0), item.pk))
    tally = Counter(item.dots or 0 for item in ordered)
    ranked = []
    for item in ordered:
        dots = item.dots or 0
        place = 1 + sum(1 for other in ordered if (other.dots or 0) > dots)
        ranked.append(
            Item(item.pk, item.title, item.dimension, item.cards, dots, place, tally[dots] > 1)
        )
    return tuple(ranked)


def _view(board: Board, items: list[Item], show_totals: bool, board_counts: Counts) -> BoardView:
    ranking = rank(items) if show_totals and board.voting else ()
    max_dots = max((item.dots or 0 for item in ranking), default=0)
    if not show_totals:
        items = [Item(i.pk, i.title, i.dimension, i.cards, in_report=i.in_report) for i in items]
    return BoardView(board, tuple(items), ranking, board_counts, max_dots)


def totals_on_wall(board: Board) -> bool:
    return board.phase == Board.Phase.RESULTS or (
        board.phase == Board.Phase.VOTE and board.live_totals
    )


def posts_on_wall(board: Board) -> bool:
    """Private writing: while collecting, the wall shows only a count unless set otherwise."""
    if board.phase == Board.Phase.READY:
        return False
    return board.phase != Board.Phase.COLLECT or board.posts_at_once


def for_wall(board: Board, *, k: int) -> BoardView:
    """What the projector shows: visible posts (when the phase shows them), counts."""
    board_counts = counts(board)
    posts = []
    if posts_on_wall(board):
        posts = list(
            Post.objects.filter(board=board, state=Post.State.VISIBLE).select_related("unit")
        )
    show_totals = totals_on_wall(board)
    totals = _totals(board) if show_totals else {}
    items = _items(board, posts, _nameable_units(board, k) if posts else set(), totals)
    return _view(board, items, show_totals, board_counts)


def for_phone(board: Board, *, k: int) -> BoardView:
    """What a phone shows: the visible posts once the wall shows them; results when shown."""
    return for_wall(board, k=k)


def for_facilitator(board: Board) -> BoardView:
    """The control view: every post with its state; the dots as they fall (not the wall).

    The ranking counts only items with a visible post, from the vote on.
    """
    posts = list(Post.objects.filter(board=board).select_related("unit"))
    items = _items(board, posts, None, _totals(board))
    view = _view(board, items, True, counts(board))
    if board.phase not in (Board.Phase.VOTE, Board.Phase.RESULTS):
        return BoardView(board, view.items, (), view.counts)
    shown = [item for item in items if any(c.state == Post.State.VISIBLE for c in item.cards)]
    ranking = rank(shown) if board.voting else ()
    top = max((item.dots or 0 for item in ranking), default=0)
    return BoardView(board, view.items, ranking, view.counts, top)


@dataclass(frozen=True)
class SeatDots:
    """A phone's own dots on a board: never on the wall."""

    mine: dict[int, int]
    budget: int
    per_item: int

    @property
    def spent(self) -> int:
        return sum(self.mine.values())

    @property
    def left(self) -> int:
        return max(self.budget - self.spent, 0)


def seat_dots(board: Board, seat: Seat) -> SeatDots:
    mine = dict(Vote.objects.filter(board=board, seat=seat).values_list("group_id", "dots"))
    return SeatDots(mine, board.dots_per_seat, board.dots_per_item)


def own_posts(board: Board, seat: Seat) -> list[Post]:
    return list(Post.objects.filter(board=board, seat=seat).order_by("-pk"))


# --- In the room: the board provider ------------------------------------------------------


def _not_closed(seminar):
    """Boards a phone may go to: every one not closed to phones (seminar may be OuterRef)."""
    return Board.objects.filter(activity__seminar=seminar).exclude(phase=Board.Phase.READY)


def any_board_open() -> Exists:
    return Exists(_not_closed(OuterRef("pk")))


def open_boards(seminar) -> list[Opening]:
    """The seminar's boards a phone may go to: every one not closed to phones."""
    boards = _not_closed(seminar).select_related("activity").order_by("activity__position", "pk")
    return openings_for(
        "board",
        boards,
        "board_phone",
        on_wall=lambda board: seminar.wall == "board" and seminar.wall_board_id == board.pk,
    )


@dataclass(frozen=True)
class VoteRow:
    """One item on a voting phone: its dots from this seat, and what its buttons may do."""

    pk: int
    title: str
    mine: int
    can_add: bool
    removed: bool = False  # taken off the board after this seat voted: dots can come back

    @property
    def less(self) -> str:
        return f"{self.pk}:{max(self.mine - 1, 0)}"

    @property
    def more(self) -> str:
        return f"{self.pk}:{self.mine + 1}"

    @property
    def marks(self) -> range:
        return range(self.mine)


def vote_rows(view: BoardView, dots: SeatDots) -> list[VoteRow]:
    shown = {item.pk for item in view.items}
    rows = [
        VoteRow(
            item.pk,
            item.title,
            dots.mine.get(item.pk, 0),
            dots.left > 0 and dots.mine.get(item.pk, 0) < dots.per_item,
        )
        for item in view.items
    ]
    rows += [
        VoteRow(pk, "", mine, False, removed=True)
        for pk, mine in sorted(dots.mine.items())
        if pk not in shown
    ]
    return rows


def for_documentation(board: Board, *, k: int) -> BoardView:
    """What the documentation shows: every visible post, and the vote's results if any."""
    posts = list(Post.objects.filter(board=board, state=Post.State.VISIBLE).select_related("unit"))
    totals = _totals(board) if board.voting else {}
    items = _items(board, posts, _nameable_units(board, k), totals)
    ranking = rank(items) if board.voting and totals else ()
    top = max((item.dots or 0 for item in ranking), default=0)
    return BoardView(board, tuple(items), ranking, counts(board), top)
