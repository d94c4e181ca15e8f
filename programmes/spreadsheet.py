"""Cells for spreadsheets: every CSV and XLSX the app writes puts its text through here.

A spreadsheet runs a cell whose text begins with =, +, -, @, a tab or a carriage return as a
formula (OWASP, "CSV injection"): a unit called `=HYPERLINK("https://...")` would become a
link, and older Excel runs `cmd|' /C calc'!A0` through DDE. Such text gets an apostrophe
in front, which spreadsheets show and never evaluate. Numbers stay numbers; the results
export writes its means as floats, so a negative number is never touched.

It lives in `programmes` because the programme export uses it and `programmes` imports no
other app; the results and plan exports import it from here.
"""

from __future__ import annotations

# OWASP's list: a spreadsheet runs a cell as a formula when its text starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that begins like a formula, with an apostrophe in front; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
