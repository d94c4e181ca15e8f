"""Plotly figures as plain dicts, built from dashboard data; drawn by static/js/charts.js.

The same plain data feeds the report's server-rendered SVG, so figures and tables agree.

Plotly reads a few tags in every label, legend entry and annotation (`<a href>`, `<b>`,
`<span style>`, `<br>`): a round title or an event typed as `<a href="https://...">` would
become a live link in a manager's chart. So every text from our data goes through `plain`,
which plotly shows as the characters typed.
"""

from __future__ import annotations

from typing import Any

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
SEPARATORS = {"da": ",.", "sv": ", ", "en": ".,"}


def plain(text: str) -> str:
    """Text that plotly shows as typed: its tags escaped as the entities plotly decodes
    (it knows &amp;, &lt; and &gt;, not &quot;, so quotes stay as they are)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _layout(language: str, **extra: Any) -> dict:
    return {
        "separators": SEPARATORS.get(language, ".,"),
        "margin": {"l": 48, "r": 16, "t": 16, "b": 96},
        "font": {"family": "system-ui, sans-serif", "size": 14},
        "legend": {"orientation": "h", "y": -0.35},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        **extra,
    }


def before_after(measures: list[str], series: list[dict], *, language: str) -> dict:
    """Grouped bars per measure, one colour per round, 95 % CI whiskers, n inside each bar.

    series: [{"name": round title, "values": [{"mean", "ci_low", "ci_high", "n"} | None]}]
    """
    data = []
    for index, round_series in enumerate(series):
        values = round_series["values"]
        name = plain(round_series["name"])
        data.append(
            {
                "type": "bar",
                "name": name,
                "x": [plain(measure) for measure in measures],
                "y": [v["mean"] if v else None for v in values],
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [
                        v["ci_high"] - v["mean"] if v and v["ci_high"] is not None else 0
                        for v in values
                    ],
                    "arrayminus": [
                        v["mean"] - v["ci_low"] if v and v["ci_low"] is not None else 0
                        for v in values
                    ],
                    "color": "#333",
                    "thickness": 1.5,
                },
                "text": [f"n={v['n']}" if v else "" for v in values],
                "textposition": "inside",
                "insidetextanchor": "start",
                "marker": {"color": PALETTE[index % len(PALETTE)]},
                "hovertemplate": "%{x}: %{y:.0f} (%{text})<extra>" + name + "</extra>",
            }
        )
    layout = _layout(
        language,
        barmode="group",
        yaxis={"range": [0, 100], "dtick": 25, "fixedrange": True},
        xaxis={"fixedrange": True, "automargin": True},
        height=420,
    )
    return {"data": data, "layout": layout}


def trend(rounds: list[str], series: list[dict], events: list[dict], *, language: str) -> dict:
    """Lines over the rounds as categories, with the events log as dashed markers.

    rounds: one label per round (title and date in the page's language), in order;
    series: [{"name": measure label, "values": [mean | None per round]}];
    events: [{"position": 1.5, "text": "..."}], a position on the round axis (0 is the first
    round; halves sit between two rounds).
    """
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": plain(line["name"]),
            "x": [plain(label) for label in rounds],
            "y": line["values"],
            "connectgaps": False,
            "line": {"color": PALETTE[index % len(PALETTE)], "width": 3},
            "marker": {"size": 9},
            "hovertemplate": "%{x}: %{y:.0f}<extra>" + plain(line["name"]) + "</extra>",
        }
        for index, line in enumerate(series)
    ]
    shapes = [
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": event["position"],
            "x1": event["position"],
            "y0": 0,
            "y1": 1,
            "line": {"color": "#666", "dash": "dot", "width": 1.5},
        }
        for event in events
    ]
    annotations = [
        {
            "x": event["position"],
            "y": 1,
            "xref": "x",
            "yref": "paper",
            "text": plain(event["text"][:40]),  # cut first: an entity is never cut
            "showarrow": False,
            "textangle": -90,
            "xanchor": "right",
            "yanchor": "top",
            "font": {"size": 12, "color": "#444"},
        }
        for event in events
    ]
    positions = [event["position"] for event in events]
    layout = _layout(
        language,
        yaxis={"range": [0, 100], "dtick": 25, "fixedrange": True},
        xaxis={
            "type": "category",
            "fixedrange": True,
            "automargin": True,
            "range": [min([-0.5, *positions]) - 0.1, max([len(rounds) - 0.5, *positions]) + 0.1],
        },
        shapes=shapes,
        annotations=annotations,
        height=380,
    )
    return {"data": data, "layout": layout}
