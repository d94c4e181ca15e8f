"""The name guard: which board posts must wait for the facilitator before they reach the wall.

A post typed on a phone may be projected in a room full of colleagues. The guard holds a post
for review (it never refuses one) when the text seems to carry personal data, and gives the
poster every reason in plain words. Holding costs the facilitator one click; letting a name or
a CPR number onto the wall cannot be undone. So where a rule must choose, it chooses to hold,
except where that would hold a large share of innocent posts (the everyday words below).

Pure Python and the standard library (plus `gettext_lazy` and `TextChoices` for the labels),
so it runs without the database. Build a `Guard` once per board with `guard_for` from the full
names on the programme's participant list and its managers, then `check` every post.

Text is compared after Unicode NFKC normalisation (fullwidth digits, no-break spaces and
decomposed letters become their plain forms) with invisible formatting characters (soft
hyphens, zero-width and direction marks) removed. Accents are kept: "Søren" is not "Soren",
"Åsa" is not "Asa". A word is a run of letters with the combining marks inside it, so names
in any script match ("राम" keeps its vowel signs).

What is caught, and why:

NAME. A text is held when it holds
  * the full name of anyone listed: every word of the name, in order, separated by spaces,
    hyphens or dashes, apostrophes, full stops or underscores ("Anne-Marie Jensen", "anne
    marie jensen", "mette.hansen"); a name with middle names also matches as first and last
    name alone ("Mette Hansen" for "Mette Marie Hansen"), as people are usually called;
  * a first name (the first space-separated part of a listed name, so "Anne-Marie" is one
    first name) that exactly one listed person has. A first name shared by two or more people
    does not single anyone out, so it is not held alone; their full names still are. People
    listed twice (a manager who is also a participant) count once, and so do two people of
    the very same name, whose first name is then held: the safe side.
  Comparison is by whole words and caseless (`str.casefold`), so "Anne" never matches inside
  "Annette", nor "Per" inside "Perspektiv". The last word may carry the genitive -s shared by
  Danish, Swedish and English ("Mettes", "Lars Nilssons", "Mette's", "Lars'"). A last name
  alone is not held ("Hansen" is too common to mean the listed Hansen), nor is a name of one
  letter; a listed name of one word ("Mette") is treated as a first name only.
  Everyday words: a few first names are also common words ("hans" is Danish and Swedish for
  "his", "per", "dag", "tom", "liv", "klara"...). Held whenever written in lower case, they
  would hold a large share of all posts, so such a first name alone is held only when
  written with a capital letter ("Spørg Hans", not "hans bil"). Full names are always
  caseless.

EMAIL. Anything shaped like local@domain.tld, with a top-level domain of two or more letters.

PHONE. Numbers shaped the way Danes and Swedes write them, digits grouped by single spaces or
hyphens, read from the first group of a run of such groups (so "1 050 000 000 kr" holds
none) and possibly ending before the run does ("ring 070-123 45 67 10 gånger"):
  * Danish: 8 digits starting with 2-9, written 12345678, 12 34 56 78, 1234 5678 (or
    12 34 5678, 1234 56 78), optionally after +45 or 0045 (then grouped any way);
  * Swedish: a trunk 0 and 7 to 9 more digits, area code (1-3 digits after the 0) set off by
    a hyphen or a space, the rest in groups of 2-3 digits or one group of 5-8 (070-123 45 67,
    08-123 456 78, 031-12 34 56, 070-1234567); written without any separator only as a
    mobile number (0701234567); or after +46 / 0046 grouped any way (+46 70 123 45 67, with
    or without "(0)");
  * any other number after "+" with 9 to 15 digits (+44 20 7946 0958).
  What is not a phone number: Danish groups never contain a hyphen, so year ranges
  ("2024-2025") are not numbers; "2023 2024", two years side by side, is not either; dots,
  colons, commas and slashes end a number, so dates (12.03.2025), times (8.30-12.00, 12:30),
  and amounts (1.500 kr) never are, and a group glued to a decimal mark is dropped; Swedish
  thousands (12 500 000 kr) are grouped 2-3-3, a shape no phone number has; counts
  ("3 af 5"), percentages and short ranges ("kl. 8-16", 0800-1600) have too few digits or
  the wrong shape.

ID_NUMBER. A Danish CPR number (DDMMYY-XXXX, DDMMYYXXXX) or a Swedish personnummer
(YYMMDD-XXXX, YYMMDD+XXXX, YYYYMMDD-XXXX, YYYYMMDDXXXX; a space may separate too), when the
date part is a real calendar date in some century; for the Swedish forms a day plus 60
(samordningsnummer) counts too. Six date digits are read both ways, DDMMYY and YYMMDD. The
check digit is not required: Danish CPR numbers dropped modulus 11 in 2007, and a mistyped
personnummer is still a person's number.

Accepted false positives (held, though innocent): a unique first name that is also a word
and is capitalised ("Per person..." when one Per is listed) or is not on the everyday list
("Eva", "Bent", "Lone" in English); a unique first name before a hyphen ("Mette-gruppen");
"Mette. Hansen kom", across a full stop; lists of four two-digit numbers ("20 30 40 50 60");
eight-digit references and dates written without dots (25122025); ten-digit numbers whose
first six digits are a date. A Swedish mobile number written without separators that also
reads as a date (0701234567: 7 January 2023) gets both PHONE and ID_NUMBER: nobody can tell
which it is, and either way the post waits.

Accepted false negatives (not held): nicknames and initials ("Lasse", "M. Hansen"), names
glued into compounds ("Mettegruppen") or stripped of accents ("Soren" for Søren), a shared
first name alone, last names alone, an everyday-word first name in lower case ("spørg
hans"); e-mail addresses spelt out ("mette at kommune dk"); phone numbers grouped by dots
(20.30.40.50), in unusual groups, or glued to other numbers ("2024 20 30 40 50"); numbers of
other countries without "+"; identity numbers with an impossible date. The guard is a safety
net for well-meaning posters, not a defence against someone set on evading it; the
facilitator's review and the wall's rules are the rest.

Cost: every step is linear in the text, with bounded look-ahead and no regular expression
that can backtrack far, and a guard is a few sets of word sequences, looked up word by word:
checking a 500-character post against 2,000 names takes about a tenth of a millisecond, and
a 10 kB text a few milliseconds.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _


class Reason(models.TextChoices):
    """Why a post waits for review; the label is shown to the poster."""

    NAME = "name", _("It seems to name a person on the programme’s participant list.")
    EMAIL = "email", _("It contains an e-mail address.")
    PHONE = "phone", _("It contains a phone number.")
    ID_NUMBER = (
        "id_number",
        _("It contains something that looks like a CPR number or personnummer."),
    )


Words = tuple[str, ...]


@dataclass(frozen=True)
class Guard:
    """The listed names as word sequences, ready for `check`; build it with `guard_for`.

    The sets hold personal data, so they stay out of the repr (and so out of logs).
    """

    # Every word sequence that names someone (full names, first and last names, unique first
    # names), each word casefolded.
    names: frozenset[Words] = field(default=frozenset(), repr=False)
    # Every proper prefix of a sequence in names, so a scan stops as soon as it can.
    prefixes: frozenset[Words] = field(default=frozenset(), repr=False)
    # The first word of every sequence in names: most words of a post are not, and stop there.
    heads: frozenset[str] = field(default=frozenset(), repr=False)
    people: int = 0  # how many distinct people the guard was built from


# --- text and words -------------------------------------------------------------------------

# Zero-width and bidirectional formatting characters: invisible, so ignored.
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")

# Letters (Python's \w without digits and underscore); combining marks are joined on below.
_LETTERS = re.compile(r"[^\W\d_]+")
# A character that might be a combining mark: not a word character, not a space, not Latin.
_MAYBE_MARK = re.compile(r"[^\w\s\x00-\u02ff]")

# What may stand between the words of one name: "Anne-Marie", "Anne Marie", "mette.hansen",
# "O'Brien", "mette_hansen".
_JOINER = re.compile(r"[\s\-\u2010-\u2015\u2212'\u2019\u02bc._]+")

# First names that are also common Danish, Swedish or English words in lower case: alone they
# are held only when written with a capital letter (see the module docstring).
_EVERYDAY_WORDS: frozenset[str] = frozenset(
    {
        "april",
        "ask",
        "august",
        "bo",
        "bror",
        "bjørn",
        "björn",
        "dag",
        "else",
        "fred",
        "gun",
        "hans",
        "june",
        "kaj",
        "karl",
        "klara",
        "love",
        "liv",
        "lykke",
        "maj",
        "mark",
        "max",
        "may",
        "per",
        "rose",
        "sanna",
        "sol",
        "sten",
        "stig",
        "storm",
        "tage",
        "tim",
        "tom",
        "vilja",
        "will",
    }
)


def _normalise(text: str) -> str:
    """NFKC without invisible formatting characters: the form every rule reads."""
    return unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))


def _key(word: str) -> str:
    """A word's caseless form, accents kept."""
    return unicodedata.normalize("NFKC", word.casefold())


def _word_spans(text: str) -> list[tuple[int, int]]:
    """Where the words of normalised text are: runs of letters with the marks inside them."""
    if _MAYBE_MARK.search(text) is None:
        return [match.span() for match in _LETTERS.finditer(text)]
    spans: list[tuple[int, int]] = []
    size = len(text)
    for match in _LETTERS.finditer(text):
        start, end = match.span()
        while end < size and unicodedata.category(text[end]).startswith("M"):
            end += 1
        if spans and spans[-1][1] == start:  # only marks between: one word ("राम")
            start = spans.pop()[0]
        spans.append((start, end))
    return spans


def _folded(text: str, spans: Sequence[tuple[int, int]]) -> list[str]:
    """The caseless form of each word."""
    folded = text.casefold()
    if len(folded) == len(text) and unicodedata.is_normalized("NFKC", folded):
        # Every character folded to one character: the folded words sit where the words do.
        return [folded[start:end] for start, end in spans]
    return [_key(text[start:end]) for start, end in spans]


def _keys(text: str) -> Words:
    return tuple(_folded(text, _word_spans(text)))


# --- the guard ------------------------------------------------------------------------------


def guard_for(names: Iterable[str]) -> Guard:
    """Build a guard from the full names of everyone on the programme's participant list and
    its managers."""
    full_names: set[Words] = set()
    first_names: dict[Words, Words] = {}  # each person's whole name -> first name
    for name in names:
        if not isinstance(name, str):
            continue  # a missing name (None) names nobody
        text = _normalise(name)
        words = _keys(text)
        if not any(len(word) >= 2 for word in words):
            continue  # empty, one letter, or no letters at all
        parts = [part for part in (_keys(part) for part in text.split()) if part]
        first_names[words] = parts[0]
        if len(parts) >= 2:
            full_names.add(words)
            if len(parts) >= 3:
                full_names.add(parts[0] + parts[-1])
    counts = Counter(first_names.values())
    unique_first = {
        first for first, count in counts.items() if count == 1 and len("".join(first)) >= 2
    }
    sequences = frozenset(full_names | unique_first)
    return Guard(
        names=sequences,
        prefixes=frozenset(seq[:size] for seq in sequences for size in range(1, len(seq))),
        heads=frozenset(seq[0] for seq in sequences),
        people=len(first_names),
    )


def _names_someone(text: str, guard: Guard) -> bool:
    """Whether a listed full name, or a unique first name, stands in the text as whole words."""
    if not guard.names:
        return False
    spans = _word_spans(text)
    keys = _folded(text, spans)
    heads = guard.heads
    for first, head in enumerate(keys):
        if head not in heads and not (head.endswith("s") and head[:-1] in heads):
            continue  # most words: no name starts here
        sequence: Words = ()
        for index in range(first, len(keys)):
            key = keys[index]
            start = spans[index][0]
            if index > first and not _JOINER.fullmatch(text, spans[index - 1][1], start):
                break
            if (
                len(key) > 2
                and key.endswith("s")
                and _names(guard, (*sequence, key[:-1]), text[start])
            ):
                return True  # the genitive: "Mettes", "Lars Nilssons"
            sequence = (*sequence, key)
            if _names(guard, sequence, text[start]):
                return True
            if sequence not in guard.prefixes:
                break
    return False


def _names(guard: Guard, sequence: Words, initial: str) -> bool:
    """Whether the sequence names someone; `initial` is its last word's first letter."""
    if sequence not in guard.names:
        return False
    if len(sequence) == 1 and sequence[0] in _EVERYDAY_WORDS:
        return initial.isupper()
    return True


# --- e-mail addresses -----------------------------------------------------------------------

_LOCAL = r"\w.!#$%&'*+/=?^`{|}~-"
# The look-behind starts a match only where a local part can start, and no class overlaps the
# character that ends it, so the search stays linear.
_EMAIL = re.compile(rf"(?<![{_LOCAL}])[{_LOCAL}]+@(?:[^\W_][\w-]*\.)+[^\W\d_]{{2,}}")


def _has_email(text: str) -> bool:
    return "@" in text and _EMAIL.search(text) is not None


# --- phone numbers --------------------------------------------------------------------------

# Digits grouped by single spaces or by hyphens (spaces allowed around them), with an optional
# leading "+". Separators and digits never overlap, so matching is linear.
_HYPHENS = "\\-\u2010\u2012\u2013\u2212"
_NUMBER = re.compile(rf"\+?[0-9]+(?:(?: | ?[{_HYPHENS}] ?)[0-9]+)*")
_SEPARATOR = re.compile(r"([^0-9]+)")
_DECIMAL_MARKS = ".,:/"
_MAX_GROUPS = 6  # "+46 8 123 456 78" is five groups
_MAX_DIGITS = 15  # the longest international number (E.164)
_MIN_DIGITS = 8  # a Danish number, or a Swedish trunk zero and 7 digits

_DANISH_GROUPINGS = frozenset({(8,), (4, 4), (2, 2, 2, 2), (2, 2, 4), (4, 2, 2)})


class _Group(NamedTuple):
    hyphen: bool  # set off from the previous group by a hyphen (not only spaces)
    digits: str


def _groups(number: str) -> list[_Group]:
    pieces = _SEPARATOR.split(number.lstrip("+"))
    groups = [_Group(False, pieces[0])]
    for index in range(1, len(pieces), 2):
        separator = pieces[index]
        groups.append(_Group(separator.strip() != "", pieces[index + 1]))
    return groups


def _has_phone(text: str) -> bool:
    text = text.replace("(0)", "")  # "+46 (0)70-123 45 67"
    for match in _NUMBER.finditer(text):
        groups = _groups(match.group())
        plus = match.group().startswith("+")
        start, end = match.span()
        if start >= 2 and text[start - 1] in _DECIMAL_MARKS and text[start - 2].isdigit():
            groups, plus = groups[1:], False  # "8.30-12.00": a group glued to a decimal mark
        if end + 1 < len(text) and text[end] in _DECIMAL_MARKS and text[end + 1].isdigit():
            groups = groups[:-1]
        # A phone number starts where the run starts (so "1 050 000 000 kr" never holds one),
        # but may end early: "ring 070-123 45 67 10 gånger".
        size = 0
        for last in range(min(_MAX_GROUPS, len(groups))):
            size += len(groups[last].digits)
            if size > _MAX_DIGITS:
                break
            if size >= _MIN_DIGITS and _is_phone(groups[: last + 1], plus=plus):
                return True
    return False


def _strip(groups: Sequence[_Group], count: int) -> list[_Group]:
    """The groups without their first `count` digits (a country code or a trunk zero)."""
    rest: list[_Group] = []
    for group in groups:
        if count >= len(group.digits):
            count -= len(group.digits)
            continue
        rest.append(_Group(bool(rest) and group.hyphen, group.digits[count:]))
        count = 0
    return rest


def _is_phone(groups: Sequence[_Group], *, plus: bool) -> bool:
    """Whether these digit groups, the first of a run and those after it, are a phone number."""
    digits = "".join(group.digits for group in groups)
    if plus:
        if digits.startswith("45"):
            return _is_danish(_strip(groups, 2), prefixed=True)
        if digits.startswith("46"):
            return _is_swedish(_strip(groups, 2), prefixed=True)
        return 9 <= len(digits) <= _MAX_DIGITS
    if digits.startswith("0045"):
        return _is_danish(_strip(groups, 4), prefixed=True)
    if digits.startswith("0046"):
        return _is_swedish(_strip(groups, 4), prefixed=True)
    return _is_danish(groups, prefixed=False) or _is_swedish(groups, prefixed=False)


def _is_danish(groups: Sequence[_Group], *, prefixed: bool) -> bool:
    digits = "".join(group.digits for group in groups)
    if len(digits) != 8 or digits[0] in "01":
        return False
    if prefixed:
        return True
    if any(group.hyphen for group in groups):
        return False  # "2024-2025" is a range of years, not a Danish number
    lengths = tuple(len(group.digits) for group in groups)
    if lengths not in _DANISH_GROUPINGS:
        return False
    return not (lengths == (4, 4) and all(1900 <= int(group.digits) <= 2099 for group in groups))


def _is_swedish(groups: Sequence[_Group], *, prefixed: bool) -> bool:
    if not groups:
        return False
    if prefixed:
        if groups[0].digits.startswith("0"):  # "+46 070...": the trunk zero written anyway
            groups = _strip(groups, 1)
    elif groups[0].digits.startswith("0") and len(groups[0].digits) >= 2:
        groups = _strip(groups, 1)
    else:
        return False
    national = "".join(group.digits for group in groups)
    if not 7 <= len(national) <= 9 or national[0] == "0":
        return False
    if prefixed:
        return True
    lengths = [len(group.digits) for group in groups]
    if len(lengths) == 1:
        return len(national) == 9 and national[0] == "7"  # a mobile number, unseparated
    if not 1 <= lengths[0] <= 3 or any(group.hyphen for group in groups[2:]):
        return False  # the area code, and a hyphen only right after it
    rest = lengths[1:]
    return (len(rest) == 1 and 5 <= rest[0] <= 8) or all(2 <= size <= 3 for size in rest)


# --- CPR numbers and personnummer -----------------------------------------------------------

# A date part of 6 or 8 digits, an optional separator and 4 digits, with no digit on either
# side. The look-ahead lets candidates overlap; each is bounded, so the scan is linear.
_ID_NUMBER = re.compile(
    rf"(?<![0-9])(?=([0-9]{{6}}(?:[0-9]{{2}})?)([+ {_HYPHENS}]?)[0-9]{{4}}(?![0-9]))"
)


def _is_date(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _is_swedish_date(year: int, month: int, day: int) -> bool:
    """A real date, or one whose day is 60 too high (a samordningsnummer)."""
    return _is_date(year, month, day) or _is_date(year, month, day - 60)


def _is_id_number(date: str, separator: str) -> bool:
    """Whether a date part and its separator (before four digits) make a CPR or personnummer."""
    numbers = [int(date[index : index + 2]) for index in range(0, len(date), 2)]
    if len(date) == 8:  # YYYYMMDD: Swedish, twelve digits
        year = numbers[0] * 100 + numbers[1]
        return separator != "+" and 1800 <= year <= 2099 and _is_swedish_date(year, *numbers[2:])
    first, second, third = numbers
    centuries = (1800, 1900, 2000)
    danish = separator != "+" and any(_is_date(c + third, second, first) for c in centuries)
    return danish or any(_is_swedish_date(c + first, second, third) for c in centuries)


def _has_id_number(text: str) -> bool:
    return any(_is_id_number(*match.groups()) for match in _ID_NUMBER.finditer(text))


# --- the check ------------------------------------------------------------------------------


def check(text: str, guard: Guard) -> list[Reason]:
    """Every reason the text must wait for review (empty list: it may go on the wall).

    Order: name, email, phone, id_number; no duplicates. Never raises on a str.
    """
    text = _normalise(text)
    reasons: list[Reason] = []
    if _names_someone(text, guard):
        reasons.append(Reason.NAME)
    if _has_email(text):
        reasons.append(Reason.EMAIL)
    if _has_phone(text):
        reasons.append(Reason.PHONE)
    if _has_id_number(text):
        reasons.append(Reason.ID_NUMBER)
    return reasons
