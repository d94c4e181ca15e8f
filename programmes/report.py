"""The manager's PDF progress report: one source of numbers, safe to publish.

The report reads each app through the one function that app exposes for it, as frozen data:
`surveys.dashboard.build` (the same results as the dashboard, for the same access and
selection), `seminars.report.outputs` and `actionplans.overview.overview` (without owner
names, whoever downloads). It adds only words: a summary written from the numbers by rules
that never claim more than the data carries. A limited manager's report holds their subtree
alone, as their dashboard does; the version for publication holds programme-level figures
only, with no unit table and no unit names.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from programmes.access import ProgrammeAccess

PUBLICATION = "publication"
FULL = "full"


@dataclass(frozen=True)
class Report:
    access: ProgrammeAccess
    version: str  # FULL or PUBLICATION
    made_on: datetime.date
    results: object  # surveys.dashboard.Dashboard
    seminars: object  # seminars.report.SeminarOutputs
    plans: object  # actionplans.overview.Overview
    summary: tuple[str, ...]
    charts: dict  # "bars", "trend": SVG as data: URLs, drawn from `results`
    logo: str = ""  # the checked logo as a data: URL, or ""

    @property
    def programme(self):
        return self.access.programme

    @property
    def publication(self) -> bool:
        return self.version == PUBLICATION


class NothingToReport(Exception):
    """The programme has no closed survey round yet: there is no report to make."""


class NotForPublication(Exception):
    """The version for publication holds programme-level figures, which a manager limited to
    a subtree does not see."""


def selection_from(params):
    """The dashboard's selection from a query string (the same pair of rounds, the same
    group): the report shows what the dashboard shows."""
    from surveys import dashboard

    return dashboard.Selection.from_query(params)


def build(access: ProgrammeAccess, selection, *, version: str = FULL) -> Report:
    """Everything the report shows, in the programme's language, as frozen data."""
    from actionplans import overview
    from seminars import report as seminar_report
    from surveys import dashboard

    programme = access.programme
    with translation.override(programme.language):
        if version == PUBLICATION:  # programme-level figures only
            if not access.sees_whole_programme:
                raise NotForPublication
            selection = dashboard.Selection(
                before_id=selection.before_id, after_id=selection.after_id
            )
        results = dashboard.build(access, selection, language=programme.language)
        if not results.rounds:
            raise NothingToReport
        plans = overview.overview(access, owners=False)
        seminars = seminar_report.outputs(programme, k=programme.min_group_size)
        return Report(
            access=access,
            version=version,
            made_on=timezone.localdate(),
            results=results,
            seminars=seminars,
            plans=plans,
            summary=tuple(summary(results, plans)),
            charts=charts(results),
            logo=_logo(programme),
        )


def _logo(programme) -> str:
    """The programme's logo as a data: URL: it was checked on upload (`programmes.logo`), and
    the PDF's fetcher serves `data:` URLs and our static files only."""
    from programmes.models import ProgrammeLogo

    logo = ProgrammeLogo.objects.filter(programme=programme).first()
    return logo.data_url() if logo else ""


def charts(results) -> dict[str, str]:
    """The before/after bars and the trend as SVG (data: URLs), from the frozen results: the
    same figures as the dashboard's charts, hidden ones left out."""
    from surveys import svg
    from surveys.dashboard import event_positions, round_labels

    drawn = {}
    shown = [r for r in (results.before, results.after) if r is not None]
    if results.before and results.after and results.before.pk == results.after.pk:
        shown = [results.after]
    cells = [row_cells for _label, row_cells in results.bar_rows]
    if any(c.shown for row_cells in cells for c in row_cells):
        series = [
            {"name": r.title, "values": [row_cells[i].as_dict() for row_cells in cells]}
            for i, r in enumerate(shown)
        ]
        labels = [label for label, _cells in results.bar_rows]
        drawn["bars"] = _data_url(svg.before_after_svg(labels, series))
    if results.trend:
        rounds = list(results.rounds)
        series = [
            {"name": label, "values": [cell.mean for _round, cell in pairs]}
            for label, pairs in results.trend_rows
        ]
        events = list(results.events)
        marks = [
            {"position": position, "text": event.text}
            for event, position in zip(events, event_positions(rounds, events), strict=True)
        ]
        drawn["trend"] = _data_url(svg.trend_svg(round_labels(rounds), series, marks))
    return drawn


def _data_url(svg_text: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg_text.encode()).decode()


def summary(results, plans) -> list[str]:
    """The report's first page in plain words, by rules: what changed clearly, how many
    answered, how far the plans came. Nothing is said that the figures cannot carry."""
    from surveys import scoring

    lines = []
    if results.changes:
        for row in results.changes[:4]:  # the index and the three elements
            if row.change is None:
                lines.append(
                    _("%(measure)s cannot be compared: too few answers in one of the rounds.")
                    % {"measure": row.label}
                )
            elif row.change.verdict == scoring.NO_CLEAR_CHANGE:
                lines.append(
                    _("%(measure)s: no clear change (%(before)s and %(after)s points).")
                    % {
                        "measure": row.label,
                        "before": f"{row.before.mean:.0f}",
                        "after": f"{row.after.mean:.0f}",
                    }
                )
            else:
                lines.append(
                    _(
                        "%(measure)s changed clearly, from %(before)s to %(after)s points "
                        "(%(change)s)."
                    )
                    % {
                        "measure": row.label,
                        "before": f"{row.before.mean:.0f}",
                        "after": f"{row.after.mean:.0f}",
                        "change": row.change_text,
                    }
                )
    else:
        lines.append(_("Only one survey round has closed so far, so no change can be shown yet."))
    for _name, _depth, per_round in results.rates[:1]:  # the top row: whole or subtree
        last = per_round[-1][1]
        if last is not None and last.percent is not None:
            line = _("%(percent)s %% answered the latest round (%(count)s of %(out_of)s).") % {
                "percent": last.percent,
                "count": last.answered,
                "out_of": last.out_of,
            }
            if last.flagged:
                line += " " + _("Under 60 %: read the figures with care.")
            lines.append(line)
    if plans.actions:
        lines.append(
            ngettext(
                "%(done)s of %(count)s action in the team plans is done; %(stuck)s stuck, "
                "%(overdue)s overdue.",
                "%(done)s of %(count)s actions in the team plans are done; %(stuck)s stuck, "
                "%(overdue)s overdue.",
                plans.actions,
            )
            % {
                "done": plans.totals["done"],
                "count": plans.actions,
                "stuck": plans.totals["stuck"],
                "overdue": plans.overdue,
            }
        )
    return lines


def render(report: Report) -> bytes:
    """The report as a tagged PDF (WeasyPrint, through the safe fetcher)."""
    from programmes.pdf import render_pdf  # WeasyPrint loads only when used

    with translation.override(report.programme.language):
        html = render_to_string("pdf/report.html", {"report": report, "r": report.results})
    return render_pdf(html)
