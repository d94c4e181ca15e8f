"""Charts for the PDF report as SVG drawn on the server, from the same figure data as the
dashboard's plotly charts (`charts.before_after` and `charts.trend` take the same shapes).

Plain SVG of our own: `benchmarks/report_charts.py` measured it beside plotly's static
export (kaleido and Chrome: about 200 ms and 650 MB a chart), matplotlib (about 140 ms,
92 MB installed) and pygal (an inline script, no events): 0.3 ms, no dependency, the same
bytes every time. Every label stays text (so the PDF can be searched and read aloud), the
SVG holds no script and no reference, and the report puts the figures' table beside it.
"""

from __future__ import annotations

import html

from surveys.charts import PALETTE

FONT = "Noto Sans Bundled, DejaVu Sans"  # the report's own font (static/css/report.css)
WIDTH, TREND_HEIGHT = 640, 340  # CSS px; A4 less the margins is about 658 px


def luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def ink_on(fill: str) -> str:
    """Black or white text, whichever contrasts more with the fill."""
    return "#000000" if contrast("#000000", fill) >= contrast("#ffffff", fill) else "#ffffff"


# --- Candidate: plotly + kaleido ---------------------------------------------------------------


def before_after_svg(labels: list[str], series: list[dict]) -> str:
    """Horizontal before/after bars with 95 % CI whiskers and n, as one SVG string."""
    esc = html.escape
    label_w, top, row_h, bar_h = 230, 34, 36, 13
    plot_w = WIDTH - label_w - 20
    height = top + row_h * len(labels) + 28

    def x(value: float) -> float:
        return label_w + plot_w * max(0.0, min(100.0, value)) / 100

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}, sans-serif" font-size="11" '
        f'role="img"><title>{esc(" / ".join(s["name"] for s in series))}</title>'
    ]
    for index, round_series in enumerate(series):  # legend
        lx = label_w + index * 170
        out.append(f'<rect x="{lx}" y="8" width="12" height="12" fill="{PALETTE[index]}"/>')
        out.append(f'<text x="{lx + 17}" y="18" fill="#222">{esc(round_series["name"])}</text>')
    bottom = top + row_h * len(labels)
    for tick in (0, 25, 50, 75, 100):  # grid and axis labels
        out.append(
            f'<line x1="{x(tick):.1f}" y1="{top}" x2="{x(tick):.1f}" y2="{bottom}" '
            f'stroke="#ddd"/><text x="{x(tick):.1f}" y="{bottom + 16}" text-anchor="middle" '
            f'fill="#444">{tick}</text>'
        )
    for row, label in enumerate(labels):
        y0 = top + row * row_h + (row_h - bar_h * len(series)) / 2
        weight = ' font-weight="bold"' if row < 4 else ""  # the index and the elements
        out.append(
            f'<text x="{label_w - 8}" y="{y0 + bar_h + 4}" text-anchor="end" '
            f'fill="#222"{weight}>{esc(label)}</text>'
        )
        for index, round_series in enumerate(series):
            value, y = round_series["values"][row], y0 + index * bar_h
            mid = y + bar_h / 2
            if value is None:
                out.append(f'<text x="{x(0) + 4}" y="{mid + 4}" fill="#555">–</text>')
                continue
            fill = PALETTE[index % len(PALETTE)]
            out.append(
                f'<rect x="{x(0)}" y="{y:.1f}" width="{x(value["mean"]) - x(0):.1f}" '
                f'height="{bar_h - 1}" fill="{fill}"/>'
                f'<text x="{x(0) + 4}" y="{mid + 3.5:.1f}" font-size="9" '
                f'fill="{ink_on(fill)}">n={value["n"]}</text>'
            )
            if value["ci_low"] is not None and value["ci_high"] is not None:
                lo, hi = x(value["ci_low"]), x(value["ci_high"])
                out.append(
                    f'<path d="M{lo:.1f} {mid:.1f}H{hi:.1f}M{lo:.1f} {mid - 3:.1f}v6'
                    f'M{hi:.1f} {mid - 3:.1f}v6" stroke="#111" stroke-width="1.3" fill="none"/>'
                )
    out.append(f'<line x1="{x(0)}" y1="{top}" x2="{x(0)}" y2="{bottom}" stroke="#555"/></svg>')
    return "\n".join(out)


def trend_svg(rounds: list[str], series: list[dict], events: list[dict]) -> str:
    """Lines over rounds as categories, events as dotted verticals with their text."""
    esc = html.escape
    left, right, top, plot_h = 36, 16, 12, TREND_HEIGHT - 100
    step = (WIDTH - left - right) / len(rounds)
    height = TREND_HEIGHT

    def x(position: float) -> float:
        return left + (position + 0.5) * step

    def y(value: float) -> float:
        return top + plot_h * (1 - value / 100)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}, sans-serif" font-size="10" '
        f'role="img"><title>{esc(" / ".join(s["name"] for s in series))}</title>'
    ]
    for tick in (0, 25, 50, 75, 100):
        out.append(
            f'<line x1="{left}" y1="{y(tick)}" x2="{WIDTH - right}" y2="{y(tick)}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4}" text-anchor="end" fill="#444">{tick}</text>'
        )
    for index, label in enumerate(rounds):  # the title, and the date below it
        title, _sep, date = label.partition(" (")
        out.append(
            f'<text x="{x(index):.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
            f'fill="#222">{esc(title)}</text>'
        )
        if date:
            out.append(
                f'<text x="{x(index):.1f}" y="{top + plot_h + 29}" text-anchor="middle" '
                f'fill="#444">({esc(date)}</text>'
            )
    for event in events:
        ex = x(event["position"])
        out.append(
            f'<line x1="{ex:.1f}" y1="{top}" x2="{ex:.1f}" y2="{top + plot_h}" stroke="#666" '
            f'stroke-dasharray="2 3" stroke-width="1.5"/><text transform="translate('
            f'{ex - 4:.1f} {top + 4}) rotate(-90)" text-anchor="end" font-size="9" '
            f'fill="#444">{esc(event["text"][:40])}</text>'
        )
    for index, line in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        points = [(x(i), y(v)) for i, v in enumerate(line["values"]) if v is not None]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)  # gaps: not joined over
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="3"/>')
        out += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{colour}"/>' for px, py in points]
        lx = left + index * (WIDTH - left) / len(series)
        out.append(
            f'<rect x="{lx:.1f}" y="{height - 30}" width="12" height="4" fill="{colour}"/>'
            f'<text x="{lx + 16:.1f}" y="{height - 25}" fill="#222">{esc(line["name"])}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)
