"""Ids typed into request data: the one way a view reads a number that a form or link sent.

Django's form fields and the `<int:...>` URL converter already accept ASCII digits only.
A view that reads a raw value itself must not use `str.isdigit()` or `int()`: `isdigit()`
is true for '²' and '①', which `int()` then refuses (a 500), and `int()` reads '٣' as 3,
so the same id could be spelled many ways.
"""

from __future__ import annotations

import re

# Eighteen digits always fit PostgreSQL's bigint (at most 9_223_372_036_854_775_807).
ID = re.compile(r"[0-9]{1,18}")


def parse_id(value: str | None) -> int | None:
    """The number `value` spells in 1-18 ASCII digits, else None."""
    if value is None or not ID.fullmatch(value):
        return None
    return int(value)
