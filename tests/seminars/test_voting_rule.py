"""The dot-voting rule on its own: `voting.allocate` against a reference written here.

No database: these are properties of the pure function. The reference below states the rule
as a condition on the seat's dots before and after a request (rather than walking the
request as `allocate` does): a request is refused when an item it raises ends above the
per-item limit, or, when it raises anything, the total ends above the budget. Lowering is
never refused, whatever the limits are now.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seminars.voting import OverBudget, OverItemLimit, VoteRefused, allocate

ITEMS = st.integers(min_value=1, max_value=6)
DOTS = st.integers(min_value=0, max_value=4)
# A request: 1-3 items and the number of dots wanted on each.
REQUESTS = st.dictionaries(ITEMS, DOTS, min_size=1, max_size=3)
PER_SEAT = st.integers(min_value=1, max_value=10)
PER_ITEM = st.integers(min_value=1, max_value=5)


def reference(current: dict[int, int], wanted: dict[int, int], per_seat: int, per_item: int):
    """The seat's dots after the request, or the VoteRefused subclass the rule raises."""
    after = {item: dots for item, dots in {**current, **wanted}.items() if dots > 0}
    grew = [item for item in after if after[item] > current.get(item, 0)]
    if any(after[item] > per_item for item in grew):
        return OverItemLimit
    if grew and sum(after.values()) > per_seat:
        return OverBudget
    return after


def outcome(current, wanted, per_seat, per_item):
    """What allocate answers, as the reference spells it."""
    try:
        return allocate(current, wanted, per_seat=per_seat, per_item=per_item)
    except VoteRefused as refused:
        return type(refused)


@st.composite
def within_limits(draw, per_seat: int, per_item: int) -> dict[int, int]:
    """A seat's dots that keep within both limits (items without dots left out)."""
    current: dict[int, int] = {}
    for item in draw(st.lists(ITEMS, unique=True, max_size=6)):
        room = min(per_item, per_seat - sum(current.values()))
        if room < 1:
            break
        current[item] = draw(st.integers(min_value=1, max_value=room))
    return current


@st.composite
def limits_and_allocation(draw):
    per_seat, per_item = draw(PER_SEAT), draw(PER_ITEM)
    return per_seat, per_item, draw(within_limits(per_seat, per_item))


ANY_ALLOCATION = st.dictionaries(ITEMS, st.integers(min_value=1, max_value=12), max_size=6)


# --- (a) no sequence of requests passes a limit -------------------------------------------


@settings(max_examples=500, deadline=None)
@given(start=limits_and_allocation(), requests=st.lists(REQUESTS, max_size=25))
def test_no_sequence_of_requests_passes_the_budget_or_the_item_limit(start, requests):
    per_seat, per_item, current = start
    for wanted in requests:
        expected = reference(current, wanted, per_seat, per_item)
        assert outcome(current, wanted, per_seat, per_item) == expected
        if isinstance(expected, dict):
            current = expected
        assert sum(current.values()) <= per_seat
        assert all(0 < dots <= per_item for dots in current.values())


# --- (b) lowering is always accepted ----------------------------------------------------


@st.composite
def lowering_request(draw, current: dict[int, int]) -> dict[int, int]:
    """Only numbers at or under what the seat has (items without dots may be named as 0)."""
    items = draw(st.lists(ITEMS, unique=True, min_size=1, max_size=3))
    return {item: draw(st.integers(min_value=0, max_value=current.get(item, 0))) for item in items}


@settings(max_examples=300, deadline=None)
@given(data=st.data(), current=ANY_ALLOCATION, per_seat=PER_SEAT, per_item=PER_ITEM)
def test_a_request_that_only_lowers_is_always_accepted(data, current, per_seat, per_item):
    """Even a seat above both limits (budget lowered, items merged) may take dots back."""
    wanted = data.draw(lowering_request(current))
    after = allocate(current, wanted, per_seat=per_seat, per_item=per_item)
    assert after == reference(current, wanted, per_seat, per_item)
    assert sum(after.values()) <= sum(current.values())
    assert all(after.get(item, 0) <= dots for item, dots in current.items())


# --- (c) a replayed request changes nothing ---------------------------------------------


@settings(max_examples=500, deadline=None)
@given(current=ANY_ALLOCATION, wanted=REQUESTS, per_seat=PER_SEAT, per_item=PER_ITEM)
def test_the_same_request_twice_is_the_same_as_once(current, wanted, per_seat, per_item):
    first = outcome(current, wanted, per_seat, per_item)
    assert first == reference(current, wanted, per_seat, per_item)
    if isinstance(first, dict):
        # Never raises: the second asks for exactly what the first left.
        assert allocate(first, wanted, per_seat=per_seat, per_item=per_item) == first
    else:
        assert outcome(current, wanted, per_seat, per_item) is first  # refused again


# --- (d) a budget lowered below what the seat has spent ---------------------------------


@st.composite
def over_new_budget(draw):
    """Dots spent within the old limits, and a new budget below their total."""
    per_item = draw(PER_ITEM)
    old_budget = draw(st.integers(min_value=2, max_value=10))
    current = draw(within_limits(old_budget, per_item).filter(lambda c: sum(c.values()) >= 2))
    new_budget = draw(st.integers(min_value=1, max_value=sum(current.values()) - 1))
    return current, new_budget, per_item


@settings(max_examples=300, deadline=None)
@given(start=over_new_budget(), wanted=REQUESTS)
def test_a_lowered_budget_refuses_increases_until_the_seat_is_under_it(start, wanted):
    current, per_seat, per_item = start
    result = outcome(current, wanted, per_seat, per_item)
    assert result == reference(current, wanted, per_seat, per_item)
    raises = {item for item, dots in wanted.items() if dots > current.get(item, 0)}
    if not raises:
        assert isinstance(result, dict)  # taking back is always fine
    elif isinstance(result, dict):
        # A raise passed only because the request's own lowering brought the total under.
        assert sum(result.values()) <= per_seat
        assert any(wanted[item] < current.get(item, 0) for item in wanted)
    else:
        assert result in (OverBudget, OverItemLimit)


@settings(max_examples=200, deadline=None)
@given(start=over_new_budget(), item=ITEMS)
def test_after_a_lowered_budget_dots_come_back_only_once_under_it(start, item):
    """Tap '-' until under the new budget: each '+' before that is refused, one after is not."""
    current, per_seat, per_item = start
    while sum(current.values()) >= per_seat:
        plus = {item: current.get(item, 0) + 1}
        assert outcome(current, plus, per_seat, per_item) in (OverBudget, OverItemLimit)
        taken = max(current)
        current = allocate(
            current, {taken: current[taken] - 1}, per_seat=per_seat, per_item=per_item
        )
    free = next(i for i in range(1, 8) if current.get(i, 0) < per_item)
    plus = {free: current.get(free, 0) + 1}
    assert outcome(current, plus, per_seat, per_item) == reference(
        current, plus, per_seat, per_item
    )
    assert isinstance(outcome(current, plus, per_seat, per_item), dict)


# --- (e) a merge left a seat above the per-item limit -----------------------------------


@st.composite
def merged_above_item_limit(draw):
    per_item = draw(PER_ITEM)
    merged = draw(ITEMS)
    current = draw(within_limits(draw(PER_SEAT), per_item))
    current[merged] = draw(st.integers(min_value=per_item + 1, max_value=per_item + 6))
    per_seat = draw(st.integers(min_value=1, max_value=sum(current.values()) + 5))
    return current, merged, per_seat, per_item


@settings(max_examples=300, deadline=None)
@given(start=merged_above_item_limit(), others=st.dictionaries(ITEMS, DOTS, max_size=2))
def test_dots_above_the_item_limit_stay_and_the_item_takes_no_more(start, others):
    current, merged, per_seat, per_item = start
    others = {item: dots for item, dots in others.items() if item != merged}
    # Requests that leave the merged item alone leave its dots where they are.
    if others:
        result = outcome(current, others, per_seat, per_item)
        assert result == reference(current, others, per_seat, per_item)
        if isinstance(result, dict):
            assert result[merged] == current[merged]
    # Raising it is refused for the item limit, whatever else the request does.
    for extra in (1, 2):
        raising = {**others, merged: current[merged] + extra}
        assert outcome(current, raising, per_seat, per_item) is OverItemLimit
    # Asking for what it has is no raise; lowering it is always accepted.
    same = outcome(current, {merged: current[merged]}, per_seat, per_item)
    assert same == current
    for dots in range(current[merged]):
        after = allocate(current, {merged: dots}, per_seat=per_seat, per_item=per_item)
        assert after.get(merged, 0) == dots
        assert {i: d for i, d in after.items() if i != merged} == {
            i: d for i, d in current.items() if i != merged
        }


# --- (f) a move: one item up, another down, in one request -------------------------------


@st.composite
def moves(draw):
    per_seat, per_item = draw(PER_SEAT), draw(PER_ITEM)
    current = draw(st.one_of(within_limits(per_seat, per_item), ANY_ALLOCATION))
    source = draw(ITEMS)
    target = draw(ITEMS.filter(lambda item: item != source))
    current = {**current, source: current.get(source, 0) or draw(st.integers(1, 4))}
    down = draw(st.integers(min_value=0, max_value=current[source] - 1))
    up = current.get(target, 0) + draw(st.integers(min_value=1, max_value=4))
    return current, {source: down, target: up}, per_seat, per_item


@settings(max_examples=500, deadline=None)
@given(move=moves())
def test_a_move_is_accepted_exactly_when_the_reference_accepts_it(move):
    current, wanted, per_seat, per_item = move
    expected = reference(current, wanted, per_seat, per_item)
    assert outcome(current, wanted, per_seat, per_item) == expected
    (source, down), (target, up) = wanted.items()
    total = sum(current.values()) - current[source] + down - current.get(target, 0) + up
    accepted = up <= per_item and total <= per_seat
    assert isinstance(expected, dict) is accepted


def test_a_one_dot_move_within_the_budget_is_accepted_at_the_budget():
    """The phone's move button: full budget, one dot from item 1 to item 3."""
    current = {1: 2, 2: 1}
    assert allocate(current, {1: 1, 3: 1}, per_seat=3, per_item=2) == {1: 1, 2: 1, 3: 1}
    with pytest.raises(OverBudget):
        allocate(current, {3: 1}, per_seat=3, per_item=2)


@given(current=ANY_ALLOCATION, item=ITEMS, dots=st.integers(max_value=-1))
def test_negative_numbers_are_the_callers_mistake(current, item, dots):
    with pytest.raises(ValueError):
        allocate(current, {item: dots}, per_seat=10, per_item=5)
