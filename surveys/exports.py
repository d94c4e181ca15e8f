"""The dashboard's aggregates as CSV and XLSX: the same suppression, never single answers."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from programmes.access import ProgrammeAccess
from programmes.spreadsheet import safe_cell
from surveys import scoring
from surveys.dashboard import (
    MEASURE_ORDER,
    Selection,
    cell,
    closed_rounds,
    held_back_text,
    visible_rate,
)
from surveys.models import MEASURE_LABELS
from surveys.results import response_rates_for, round_results


def rows(access: ProgrammeAccess, selection: Selection | None = None) -> list[list]:
    """Header plus one row per closed round, visible group and measure.

    With a pair of rounds chosen on the results page (`selection`), the export holds those
    two rounds, as the page and the report compare them; without one, every closed round.
    """
    programme = access.programme
    k = programme.min_group_size
    tree = programme.unit_tree()
    rounds = closed_rounds(programme)
    chosen = {selection.before_id, selection.after_id} - {None} if selection else set()
    if chosen and any(r.pk in chosen for r in rounds):
        rounds = [r for r in rounds if r.pk in chosen]
    results = round_results(programme, rounds)
    rates = response_rates_for(programme, rounds, tree=tree)
    groups: list[tuple[int | None, str]] = []
    if access.sees(None):
        groups.append((None, programme.organisation))
    groups += [(node.id, tree.path(node.id)) for node in access.visible_nodes(tree)]
    table = [
        [
            _("Round"),
            _("Group"),
            _("Measure"),
            _("Respondents"),
            _("Mean (0-100)"),
            _("95 % CI low"),
            _("95 % CI high"),
            _("Share high (75 or more)"),
            _("Share low (25 or less)"),
            _("Response rate (%)"),
            _("Note"),
        ]
    ]
    for r in rounds:
        held_back = held_back_text(results[r.pk], k)
        group_rates = {rate.unit_id: rate for rate in rates[r.pk]}
        for unit_id, name in groups:
            index = results[r.pk].figure(scoring.INDEX, unit_id)
            rate = visible_rate(group_rates[unit_id], index, access)
            for measure in MEASURE_ORDER:
                result = results[r.pk].figure(measure, unit_id)
                shown = cell(result, k)
                summary = result.summary if shown.shown else None
                notes = [] if shown.shown else [shown.reason]
                if held_back and unit_id == groups[0][0]:
                    notes.append(held_back)
                if rate is not None and rate.over_invited:
                    notes.append(
                        _("%(answered)s answers, %(invited)s invited: check the headcount")
                        % {"answered": rate.answered, "invited": rate.invited}
                    )
                table.append(
                    [
                        r.title,
                        name,
                        str(MEASURE_LABELS[measure]),
                        shown.n,
                        _round(shown.mean),
                        _round(shown.ci_low),
                        _round(shown.ci_high),
                        _round(summary.high_share * 100) if summary else None,
                        _round(summary.low_share * 100) if summary else None,
                        rate.percent if rate is not None else None,
                        " ".join(notes),
                    ]
                )
    return table


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def as_csv(table: list[list], *, language: str) -> bytes:
    """UTF-8 with BOM, ';' separators and decimal commas: Danish and Swedish Excel open it."""
    comma = language in ("da", "sv")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in table:
        writer.writerow([_csv_value(v, comma=comma) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _csv_value(value, *, comma: bool):
    if value is None:
        return ""
    if isinstance(value, float):
        return str(value).replace(".", ",") if comma else str(value)
    return safe_cell(value)


def as_xlsx(table: list[list], *, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31] or "Results"
    for row in table:
        sheet.append([safe_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
