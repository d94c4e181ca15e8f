"""The dot-voting rule, as a pure function: what a seat's dots become after a request.

A request names the dots the seat wants on some items (a tap on "+" asks for one more than
it has; moving a dot names both items). Asking for a number rather than "one more" makes a
double tap or a replayed request harmless: the second asks for what is already there.

The rule is safe for every sequence of requests because it only ever lets a number rise
when the result keeps within both limits:

- a lowered item is always allowed (taking dots back never needs permission);
- a raised item must end at or under `per_item`;
- when any item is raised, the seat's total afterwards must be at or under `per_seat`.

So a facilitator who lowers the budget mid-session leaves dots already spent where they are,
and the seat can add none until it is under the new budget; a merge that puts a seat above
`per_item` on the merged item keeps its dots there, and it can add no more to that item.
The caller holds a lock on the seat's row while it reads `current`, applies this and
writes, so concurrent requests from one seat are applied one after another.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _


class VoteRefused(Exception):
    """A request the budget does not allow; `message` says why in the phone's language."""

    message = _("That vote could not be counted.")


class OverBudget(VoteRefused):
    message = _("You have used all your dots. Take one back from another item first.")


class OverItemLimit(VoteRefused):
    message = _("That item already has as many of your dots as one item may have.")


def allocate(
    current: Mapping[int, int], wanted: Mapping[int, int], *, per_seat: int, per_item: int
) -> dict[int, int]:
    """The seat's dots per item after the request; raises a VoteRefused subclass.

    `current` and the result leave out items without dots. Numbers in `wanted` must be
    zero or more (the caller's form checks that).
    """
    after = dict(current)
    raised = False
    for item, dots in wanted.items():
        if dots < 0:
            raise ValueError("dots must be zero or more")
        before = current.get(item, 0)
        if dots > before:
            raised = True
            if dots > per_item:
                raise OverItemLimit
        if dots:
            after[item] = dots
        else:
            after.pop(item, None)
    if raised and sum(after.values()) > per_seat:
        raise OverBudget
    return after
