"""Server-side SVG charts for the PDF report: four ways to draw them, measured side by side.

    python3 -m uv venv /tmp/chartbench --python .venv/bin/python
    python3 -m uv pip install --python /tmp/chartbench/bin/python \\
        plotly kaleido matplotlib pygal weasyprint pypdf
    /tmp/chartbench/bin/python benchmarks/report_charts.py [--repeats 20] [--out DIR]

The candidates live outside the project's environment, so the script needs no Django and
imports nothing from the project but `surveys/charts.py` (plain dicts, no Django), whose
plotly figures the plotly candidate exports, and `surveys/svg.py`, the report's renderer,
which is the "own" candidate. The data are inlined constants shaped like
`surveys.dashboard` makes them: (1) the before/after bars, 11 measures (the index, three
elements, seven sub-dimensions) in two rounds, each with its mean, 95 % CI and n, labelled
in Danish; (2) the trend, 4 measures over 4 rounds with two events between rounds, in
Swedish; so æ ø å ä ö all occur.

Candidates, each in its own subprocess so they share neither memory nor warm caches:
  plotly-oneshot   plotly's `to_image(format="svg")`: kaleido starts Chrome for every call
  plotly-server    the same with `kaleido.start_sync_server()`: one Chrome kept running
  matplotlib       the SVG backend with `svg.fonttype = "none"` (text stays text)
  pygal            pygal's HorizontalBar and XY charts
  own              f-strings, no dependency (about 60 lines per chart)
A candidate whose package (or, for kaleido, a Chromium/Chrome) is missing is skipped with
the reason. kaleido looks for a browser on PATH or at BROWSER_PATH; this script sets
BROWSER_PATH to `chromium` on PATH when it is unset and never downloads one.

Printed per candidate: import time, first render after import (cold), median and p95 per
chart over --repeats renders after that, peak RSS of the Python process (getrusage) and
peak PSS of the whole process tree (sampled from /proc every 50 ms: it includes Chrome),
SVG size, whether every label is a <text> element, whether the SVG holds <script>, an
external href/url(), <image> or <foreignObject>, whether two renders are byte-identical,
and the packages' size on disk (with their dependencies, and what the project's .venv
does not already have). Then each candidate's two SVGs go into a one-page A4 PDF through
WeasyPrint as `<img src="data:image/svg+xml;base64,...">` (as the report's URL fetcher
allows), timed against the same page without charts; pypdf checks that the labels come
out of the PDF as text. SVGs, PDFs and (with pdftoppm, poppler-utils) PNG previews are
written to --out (default /tmp/chartbench/out). Figures only, never asserted.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import importlib.util
import io
import json
import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT = "DejaVu Sans"  # the PDF documents' font (static/css/print.css)
WIDTH, BAR_HEIGHT, TREND_HEIGHT = 640, 480, 340  # CSS px; A4 less 18 mm margins is ~658 px

# --- The data, shaped as surveys.dashboard passes it to surveys.charts ---------------------

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]  # charts.py
BAR_LABELS = [  # MEASURE_ORDER in Danish: the index, 3 elements, 7 sub-dimensions
    "Indeks for social kapital",
    "Tillid",
    "Retfærdighed",
    "Samarbejde",
    "Tillid mellem medarbejdere og ledelse",
    "Tillid mellem kolleger",
    "Retfærdige processer",
    "Retfærdig fordeling og respekt",
    "Samarbejde i teamet",
    "Samarbejde med andre teams",
    "Samarbejde med ledelsen",
]


def _cell(mean: float, half: float, n: int) -> dict:
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "n": n}


# fmt: off
BAR_SERIES = [  # [{"name": round title, "values": [{"mean", "ci_low", "ci_high", "n"} | None]}]
    {
        "name": "Første måling",
        "values": [
            _cell(m, h, n)
            for m, h, n in [
                (58.2, 4.1, 27), (61.5, 4.6, 27), (54.0, 5.2, 27), (59.1, 4.4, 27),
                (52.3, 6.0, 26), (70.4, 4.8, 27), (50.8, 5.9, 25), (57.2, 5.5, 27),
                (68.9, 4.7, 27), (49.5, 6.3, 24), (58.7, 5.8, 26),
            ]
        ],
    },
    {
        "name": "Anden måling",
        "values": [
            _cell(m, h, n)
            for m, h, n in [
                (63.7, 3.9, 29), (66.0, 4.2, 29), (60.3, 4.9, 29), (64.8, 4.0, 29),
                (59.6, 5.6, 28), (72.4, 4.5, 29), (58.1, 5.4, 29), (62.5, 5.0, 28),
                (71.2, 4.3, 29), (57.0, 5.9, 27), (66.2, 5.1, 29),
            ]
        ],
    },
]
# fmt: on
TREND_ROUNDS = [  # round_labels(): title and SHORT_DATE_FORMAT in Swedish
    "Första mätningen (2025-03-04)",
    "Andra mätningen (2025-09-16)",
    "Tredje mätningen (2026-03-10)",
    "Fjärde mätningen (2026-09-22)",
]
TREND_SERIES = [  # [{"name": measure label, "values": [mean | None per round]}]
    {"name": "Index för socialt kapital", "values": [58.2, 63.7, 61.0, 66.4]},
    {"name": "Tillit", "values": [61.5, 66.0, 63.1, 69.8]},
    {"name": "Rättvisa", "values": [54.0, 60.3, 57.7, 61.2]},
    {"name": "Samarbete", "values": [59.1, 64.8, 62.2, 68.0]},
]
EVENTS = [  # [{"position": on the round axis, halves between rounds, "text": ...}]
    {"position": 0.5, "text": "Ny chef på plats"},
    {"position": 2.5, "text": "Workshop om samarbete över gränser"},
]
EXPECTED_TEXT = (  # each label must come out as text; round labels may be split before " ("
    BAR_LABELS
    + [s["name"] for s in BAR_SERIES]
    + TREND_ROUNDS
    + [s["name"] for s in TREND_SERIES]
    + [e["text"] for e in EVENTS]
)


def found_labels(text: str, *, ignore_spaces: bool = False) -> int:
    """How many of EXPECTED_TEXT occur in text (a round's date may be on its own line)."""

    def norm(part: str) -> str:
        return "".join(part.split()) if ignore_spaces else part

    text = norm(text)
    count = 0
    for label in EXPECTED_TEXT:
        title, sep, date = label.partition(" (")
        parts = [title, f"({date}"] if sep else [label]
        count += all(norm(part) in text for part in parts)
    return count


# --- Colour: WCAG 2 contrast, for the n labels inside the bars ------------------------------


def contrast(a: str, b: str) -> float:
    return _load_project_svg().contrast(a, b)


def ink_on(fill: str) -> str:
    """Black or white text, whichever contrasts more with the fill (as the report draws)."""
    return _load_project_svg().ink_on(fill)


# --- Candidate: plotly + kaleido ---------------------------------------------------------------


def _load_project_charts():
    """surveys/charts.py by path: the dashboard's figure dicts, without Django."""
    spec = importlib.util.spec_from_file_location("project_charts", ROOT / "surveys/charts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plotly_figures() -> tuple[dict, dict]:
    """The dashboard's two figures, turned for print: horizontal bars, white, sized."""
    charts = _load_project_charts()
    bars = charts.before_after(BAR_LABELS, BAR_SERIES, language="da")
    for index, trace in enumerate(bars["data"]):
        trace["x"], trace["y"] = trace.pop("y"), trace.pop("x")
        trace["error_x"] = trace.pop("error_y")
        trace["orientation"] = "h"
        trace["textfont"] = {"color": ink_on(PALETTE[index % len(PALETTE)]), "size": 10}
        trace["constraintext"] = "none"
    layout = bars["layout"]
    layout["xaxis"] = layout["yaxis"]  # the values run across, the measures down
    layout["yaxis"] = {"autorange": "reversed", "automargin": True}
    rounds = [label.replace(" (", "<br>(") for label in TREND_ROUNDS]  # date on a 2nd line
    trend = charts.trend(rounds, TREND_SERIES, EVENTS, language="sv")
    for figure, height in ((bars, BAR_HEIGHT), (trend, TREND_HEIGHT)):
        figure["layout"].update(
            width=WIDTH,
            height=height,
            font={"family": FONT, "size": 11, "color": "#222"},
            paper_bgcolor="#ffffff",
            plot_bgcolor="#ffffff",
            margin={"l": 8, "r": 16, "t": 40, "b": 8},
            legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        )
    trend["layout"]["margin"]["t"] = 16
    trend["layout"]["legend"] = {"orientation": "h", "y": -0.2, "yanchor": "top"}
    trend["layout"]["xaxis"]["tickangle"] = 0
    return bars, trend


def plotly_renderer(keep_browser: bool):
    import kaleido
    import plotly.io as pio

    warnings.filterwarnings("ignore", message="The kopts argument is ignored")
    if keep_browser:
        kaleido.start_sync_server(silence_warnings=True)
    bars, trend = plotly_figures()

    def render(kind: str) -> bytes:
        return pio.to_image(bars if kind == "bar" else trend, format="svg")

    return render


def plotly_check() -> str:
    """Why plotly cannot run here, or ''."""
    for module in ("plotly", "kaleido"):
        if importlib.util.find_spec(module) is None:
            return f"{module} not installed"
    browser = os.environ.get("BROWSER_PATH") or shutil.which("chromium") or ""
    if not browser or not os.access(browser, os.X_OK):
        return "no Chromium/Chrome found (set BROWSER_PATH); kaleido >= 1 needs one"
    os.environ["BROWSER_PATH"] = browser
    return ""


# --- Candidate: matplotlib ---------------------------------------------------------------------


def matplotlib_renderer():
    import matplotlib

    matplotlib.use("svg")
    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",  # <text> elements, not glyph paths
            "svg.hashsalt": "report-charts",  # stable ids, so identical bytes every time
            "font.family": FONT,
            "font.size": 9,
            "axes.edgecolor": "#555555",
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    from matplotlib.figure import Figure  # no pyplot: no global figure registry

    def bar() -> Figure:
        figure = Figure(figsize=(WIDTH / 96, BAR_HEIGHT / 96), layout="constrained")
        axes = figure.subplots()
        height = 0.4
        for index, round_series in enumerate(BAR_SERIES):
            colour = PALETTE[index]
            rows = [(i, v) for i, v in enumerate(round_series["values"]) if v]
            ys = [i + (index - 0.5) * height for i, _v in rows]
            means = [v["mean"] for _i, v in rows]
            errors = [
                [v["mean"] - v["ci_low"] for _i, v in rows],
                [v["ci_high"] - v["mean"] for _i, v in rows],
            ]
            axes.barh(
                ys,
                means,
                height=height,
                color=colour,
                xerr=errors,
                label=round_series["name"],
                error_kw={"ecolor": "#111111", "elinewidth": 1.2, "capsize": 2.5},
            )
            for y, (_i, v) in zip(ys, rows, strict=True):
                axes.text(1.5, y, f"n={v['n']}", va="center", fontsize=7.5, color=ink_on(colour))
        axes.set_yticks(range(len(BAR_LABELS)), BAR_LABELS)
        axes.invert_yaxis()
        axes.set_xlim(0, 100)
        axes.set_xticks([0, 25, 50, 75, 100])
        axes.grid(axis="x", color="#dddddd")
        axes.set_axisbelow(True)
        axes.legend(loc="lower left", bbox_to_anchor=(0, 1), ncols=2, frameon=False)
        return figure

    def trend() -> Figure:
        figure = Figure(figsize=(WIDTH / 96, TREND_HEIGHT / 96), layout="constrained")
        axes = figure.subplots()
        xs = range(len(TREND_ROUNDS))
        for index, line in enumerate(TREND_SERIES):
            values = [math.nan if v is None else v for v in line["values"]]
            axes.plot(xs, values, marker="o", lw=2.5, color=PALETTE[index], label=line["name"])
        for event in EVENTS:
            axes.axvline(event["position"], color="#666666", ls=":", lw=1.2)
            axes.text(
                event["position"] - 0.03,
                97,
                event["text"][:40],
                rotation=90,
                ha="right",
                va="top",
                fontsize=8,
                color="#444444",
            )
        axes.set_xticks(list(xs), [r.replace(" (", "\n(") for r in TREND_ROUNDS], fontsize=8)
        axes.set_xlim(-0.6, len(TREND_ROUNDS) - 0.4)
        axes.set_ylim(0, 100)
        axes.set_yticks([0, 25, 50, 75, 100])
        axes.grid(axis="y", color="#dddddd")
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=4, frameon=False)
        return figure

    def render(kind: str) -> bytes:
        figure = bar() if kind == "bar" else trend()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
        return buffer.getvalue()

    return render


# --- Candidate: pygal --------------------------------------------------------------------------


def pygal_renderer():
    import pygal
    from pygal.style import Style

    def style(colours: tuple[str, ...]) -> Style:
        return Style(
            font_family=f"{FONT}, sans-serif",
            colors=colours,
            value_colors=tuple(ink_on(c) for c in colours),  # the n labels in the bars
            opacity="1",
            opacity_hover="1",
            background="#ffffff",
            plot_background="#ffffff",
            foreground="#222222",
            foreground_strong="#111111",
            foreground_subtle="#555555",
            guide_stroke_color="#dddddd",
            major_guide_stroke_color="#dddddd",
            label_font_size=10,
            major_label_font_size=10,
            legend_font_size=11,
            value_label_font_size=9,
        )

    options = {
        "width": WIDTH,
        "js": [],
        "disable_xml_declaration": True,
        "truncate_label": -1,
        "truncate_legend": -1,
        "range": (0, 100),
        "explicit_size": True,
        "y_labels": [0, 25, 50, 75, 100],
    }
    # no_prefix=True would drop the random id, but leaves a rule with no selector that
    # makes WeasyPrint ignore the whole stylesheet (everything black): keep the prefix and
    # fix the id instead.

    def bar():
        chart = pygal.HorizontalBar(
            height=BAR_HEIGHT, print_labels=True, style=style(tuple(PALETTE[:2])), **options
        )
        chart.x_labels = list(reversed(BAR_LABELS))  # pygal draws the first at the bottom
        for round_series in BAR_SERIES:
            values = [
                {
                    "value": v["mean"],
                    "ci": {"low": v["ci_low"], "high": v["ci_high"]},
                    "label": f"n={v['n']}",
                }
                if v
                else None
                for v in reversed(round_series["values"])
            ]
            chart.add(round_series["name"], values)
        return chart

    def trend():
        chart = pygal.XY(
            height=TREND_HEIGHT,
            legend_at_bottom=True,
            legend_at_bottom_columns=3,
            x_labels=list(range(len(TREND_ROUNDS))),
            xrange=(-0.6, len(TREND_ROUNDS) - 0.4),
            x_value_formatter=lambda x: TREND_ROUNDS[int(x)] if float(x).is_integer() else "",
            x_label_rotation=20,
            style=style((*PALETTE[:4], "#666666", "#666666")),
            **options,
        )
        for line in TREND_SERIES:
            chart.add(line["name"], list(enumerate(line["values"])), stroke_style={"width": 3})
        for event in EVENTS:  # pygal has no event markers: a dotted two-point series each
            chart.add(
                event["text"][:40],
                [(event["position"], 0), (event["position"], 100)],
                stroke_style={"width": 1.5, "dasharray": "2, 3"},
                show_dots=False,
            )
        return chart

    def render(kind: str) -> bytes:
        chart = bar() if kind == "bar" else trend()
        chart.uuid = f"report-{kind}"  # else a uuid4 in every id and CSS selector
        svg = chart.render().encode()  # a str, as the XML declaration is off
        return re.sub(rb"<!--.*?-->", b"", svg)  # its comment carries today's date

    return render


# --- Candidate: our own, no dependency ---------------------------------------------------------


def _load_project_svg():
    """surveys/svg.py, the report's own renderer (it needs surveys/charts.py, no Django)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import surveys.svg

    return surveys.svg


def own_renderer():
    def render(kind: str) -> bytes:
        svg = _load_project_svg()
        if kind == "bar":
            return svg.before_after_svg(BAR_LABELS, BAR_SERIES).encode()
        return svg.trend_svg(TREND_ROUNDS, TREND_SERIES, EVENTS).encode()

    return render


def installed(*modules: str):
    def check() -> str:
        missing = [m for m in modules if importlib.util.find_spec(m) is None]
        return f"{', '.join(missing)} not installed" if missing else ""

    return check


CANDIDATES = {  # name: (why it cannot run, or "" | make a renderer, distributions it adds)
    "plotly-oneshot": (plotly_check, lambda: plotly_renderer(False), ["plotly", "kaleido"]),
    "plotly-server": (plotly_check, lambda: plotly_renderer(True), ["plotly", "kaleido"]),
    "matplotlib": (installed("matplotlib"), matplotlib_renderer, ["matplotlib"]),
    "pygal": (installed("pygal"), pygal_renderer, ["pygal"]),
    "own": (lambda: "", own_renderer, []),
}
SLOW = {"plotly-oneshot": 5}  # at most this many timed renders: each starts Chrome (~2 s)


# --- Measuring, in a subprocess per candidate ------------------------------------------------


class TreeMemory:
    """Peak PSS of this process and all its descendants (Chrome too), sampled from /proc."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.sample())
            self._stop.wait(self.interval)

    @staticmethod
    def sample() -> int:
        children: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    stat = Path(entry.path, "stat").read_text()
                except OSError:
                    continue
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
        total, todo = 0, [os.getpid()]
        while todo:
            pid = todo.pop()
            todo += children.get(pid, [])
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            match = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
            total += int(match.group(1)) * 1024 if match else 0
        return total


def svg_checks(svg: bytes) -> dict:
    root = ET.fromstring(svg)
    texts = [
        " ".join("".join(el.itertext()).split())
        for el in root.iter()
        if isinstance(el.tag, str) and el.tag.rsplit("}", 1)[-1] in ("text", "tspan")
    ]
    tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter() if isinstance(el.tag, str)}
    refs = [v for el in root.iter() for k, v in el.attrib.items() if k.endswith("href")]
    refs += re.findall(r"url\(\s*['\"]?([^)'\"]*)", svg.decode("utf-8", "replace"))
    joined = "\n".join(texts)
    return {
        "text_elements": len(texts),
        "labels_as_text": found_labels(joined),
        "script": "script" in tags,
        "external_refs": sorted({r for r in refs if not r.startswith("#")})[:3],
        "image": bool(tags & {"image", "foreignObject"}),
    }


def worker(name: str, repeats: int, out: Path) -> dict:
    _check, make, _dists = CANDIDATES[name]
    result: dict = {"name": name}
    with TreeMemory() as memory:
        started = time.perf_counter()
        render = make()
        result["import_ms"] = (time.perf_counter() - started) * 1000
        for kind in ("bar", "trend"):
            started = time.perf_counter()
            first = render(kind)
            cold = (time.perf_counter() - started) * 1000
            times = []
            for _ in range(min(repeats, SLOW.get(name, repeats))):
                started = time.perf_counter()
                svg = render(kind)
                times.append((time.perf_counter() - started) * 1000)
            (out / f"{name}-{kind}.svg").write_bytes(svg)
            result[kind] = {
                "first_ms": cold,
                "median_ms": statistics.median(times),
                "p95_ms": sorted(times)[max(0, math.ceil(0.95 * len(times)) - 1)],
                "runs": len(times),
                "bytes": len(svg),
                "deterministic": first == svg,
                **svg_checks(svg),
            }
        if name == "plotly-server":
            import kaleido

            kaleido.stop_sync_server(silence_warnings=True)
    result["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["tree_pss_mib"] = memory.peak / 2**20
    return result


def run_worker(name: str, repeats: int, out: Path) -> dict:
    command = [sys.executable, __file__, "--worker", name, "--repeats", str(repeats)]
    run = subprocess.run(
        [*command, "--out", str(out)], capture_output=True, text=True, timeout=900, check=False
    )
    if run.returncode:
        tail = (run.stderr.strip().splitlines() or ["no output"])[-1]
        return {"name": name, "skipped": f"failed: {tail[:160]}"}
    return json.loads(run.stdout.strip().splitlines()[-1])


# --- Package weight ----------------------------------------------------------------------------


def closure(names: list[str]) -> set[str]:
    """The installed distributions `names` pull in (extras left out), normalised."""
    from importlib import metadata

    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        todo += [
            re.split(r"[ ;<>=!~\[(]", r, maxsplit=1)[0] for r in requires if "extra ==" not in r
        ]
    return seen


def disk_size(names: set[str]) -> int:
    """Bytes on disk (blocks, as du counts) of the distributions' installed files."""
    from importlib import metadata

    total = 0
    for name in names:
        for file in metadata.distribution(name).files or []:
            with contextlib.suppress(OSError):
                total += file.locate().stat().st_blocks * 512
    return total


def project_distributions() -> set[str]:
    found = set()
    for info in ROOT.glob(".venv/lib/python*/site-packages/*.dist-info"):
        name = info.name.removesuffix(".dist-info").rsplit("-", 1)[0]
        found.add(re.sub(r"[-_.]+", "-", name).lower())
    return found


def weight(name: str) -> str:
    dists = CANDIDATES[name][2]
    if not dists:
        return "0 (this file)"
    every = closure(dists)
    new = every - project_distributions()
    text = f"{disk_size(every) / 2**20:.0f} MiB, new to .venv {disk_size(new) / 2**20:.0f} MiB"
    if name.startswith("plotly"):
        browser = Path(os.path.realpath(shutil.which("chromium") or "/usr/lib/chromium/x"))
        chromium = Path("/usr/lib/chromium") if browser.parent.name == "bin" else browser.parent
        du = subprocess.run(["du", "-sm", str(chromium)], capture_output=True, text=True)
        text += f" + Chromium {du.stdout.split()[0] if du.stdout else '?'} MiB (apt)"
    return text


# --- The PDF: WeasyPrint, in a subprocess (this interpreter's or the project's) --------------

PAGE = """<!doctype html><html lang="da"><head><meta charset="utf-8"><title>{title}</title>
<style>@page {{ size: A4; margin: 18mm }} body {{ font-family: "DejaVu Sans"; font-size: 10pt }}
img {{ display: block; width: 100%; margin-bottom: 6mm }} h1 {{ font-size: 13pt }}</style>
</head><body><h1>{title}</h1>{images}</body></html>"""


def pdf_worker(names: list[str], out: Path) -> dict:
    from pypdf import PdfReader
    from weasyprint import HTML

    def page(name: str) -> str:
        images = ""
        for kind in ("bar", "trend") if name else ():
            data = base64.b64encode((out / f"{name}-{kind}.svg").read_bytes()).decode()
            images += f'<img src="data:image/svg+xml;base64,{data}" alt="{kind}">'
        return PAGE.format(title=f"Rapportgrafer: {name or 'ingen'}", images=images)

    def timed(source: str, runs: int = 5) -> tuple[float, bytes]:
        HTML(string=source).write_pdf(pdf_tags=True)  # warm-up
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            pdf = HTML(string=source).write_pdf(pdf_tags=True)
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times), pdf

    baseline, _pdf = timed(page(""))
    results = {"": {"ms": baseline}}
    for name in names:
        ms, pdf = timed(page(name))
        path = out / f"{name}.pdf"
        path.write_bytes(pdf)
        reader = PdfReader(path)
        text = " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())
        results[name] = {
            "ms": ms,
            "bytes": len(pdf),
            "pages": len(reader.pages),
            "found": found_labels(text),
            "found_squashed": found_labels(text, ignore_spaces=True),
        }
    return results


def run_pdf(names: list[str], out: Path) -> dict | str:
    python = sys.executable
    if not all(importlib.util.find_spec(m) for m in ("weasyprint", "pypdf")):
        python = str(ROOT / ".venv" / "bin" / "python")
        if not Path(python).exists():
            return "weasyprint and pypdf are installed neither here nor in the project's .venv"
    command = [python, __file__, "--pdf-worker", ",".join(names), "--out", str(out)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    if run.returncode:
        return f"failed: {(run.stderr.strip().splitlines() or ['?'])[-1][:200]}"
    return json.loads(run.stdout.strip().splitlines()[-1])


def previews(names: list[str], out: Path) -> str:
    """PNG of each PDF page (pdftoppm), else a Chromium screenshot of each SVG."""
    if shutil.which("pdftoppm"):
        for name in names:
            if (out / f"{name}.pdf").exists():
                subprocess.run(["pdftoppm", "-png", "-r", "80", out / f"{name}.pdf", out / name])
        return f"PNG pages: {out}/<candidate>-1.png (pdftoppm -r 80)"
    if chromium := shutil.which("chromium"):
        for svg in sorted(out.glob("*.svg")):
            subprocess.run(
                [
                    chromium,
                    "--headless",
                    "--no-sandbox",
                    f"--screenshot={svg.with_suffix('.png')}",
                    "--window-size=700,520",
                    svg.as_uri(),
                ],
                capture_output=True,
                timeout=60,
            )
        return f"PNG screenshots of the SVGs: {out}/*.png (no pdftoppm: Chromium)"
    return "no pdftoppm (apt: poppler-utils) and no chromium: no previews"


# --- Report ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("/tmp/chartbench/out"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--pdf-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeats, args.out)))
        return
    if args.pdf_worker:
        print(json.dumps(pdf_worker(args.pdf_worker.split(","), args.out)))
        return

    args.out.mkdir(parents=True, exist_ok=True)
    print(f"python        {sys.executable} ({sys.version.split()[0]})")
    print(f"machine       {os.cpu_count()} cores; {args.repeats} renders per chart after the first")
    print(f"output        {args.out}")
    inks = ", ".join(f"{ink_on(c)} on {c} {contrast(ink_on(c), c):.1f}:1" for c in PALETTE[:2])
    print(f"n-label ink   {inks} (WCAG AA text: 4.5:1)")
    results = []
    for name, (check, _make, _dists) in CANDIDATES.items():
        reason = check()
        if reason:
            result = {"name": name, "skipped": reason}
        else:
            result = run_worker(name, args.repeats, args.out)
        if not result.get("skipped"):
            result["weight"] = weight(name)
        results.append(result)
        print(f"  {name:15} {'skipped: ' + result['skipped'] if result.get('skipped') else 'done'}")

    ran = [r for r in results if not r.get("skipped")]
    print()
    header = f"{'':15} {'import':>7} {'1st bar':>8} {'bar med/p95':>13} {'trend med/p95':>14}"
    print(header + f" {'py RSS':>7} {'tree PSS':>8}")
    for r in ran:
        bar, trend = r["bar"], r["trend"]
        print(
            f"{r['name']:15} {r['import_ms']:6.0f}ms {bar['first_ms']:6.0f}ms "
            f"{bar['median_ms']:6.1f}/{bar['p95_ms']:<6.1f} "
            f"{trend['median_ms']:7.1f}/{trend['p95_ms']:<6.1f}"
            f" {r['rss_mib']:4.0f}MiB {r['tree_pss_mib']:5.0f}MiB"
        )
    print(
        f"{'':15} (ms per chart; medians over {args.repeats} renders, plotly-oneshot over "
        f"{SLOW['plotly-oneshot']}; PSS includes Chrome)"
    )
    print()
    print(
        f"{'':15} {'SVG bytes':>15} {'<text>':>7} {'labels':>7} {'script':>6} {'ext.ref':>7}"
        f" {'image':>5} {'same bytes':>10}"
    )
    for r in ran:
        bar, trend = r["bar"], r["trend"]
        refs = bar["external_refs"] + trend["external_refs"]
        print(
            f"{r['name']:15} {bar['bytes']:>7}/{trend['bytes']:<7} "
            f"{bar['text_elements'] + trend['text_elements']:>7} "
            f"{bar['labels_as_text'] + trend['labels_as_text']:>3}/{len(EXPECTED_TEXT):<3} "
            f"{'yes' if bar['script'] or trend['script'] else 'no':>6} "
            f"{', '.join(refs) if refs else 'no':>7} "
            f"{'yes' if bar['image'] or trend['image'] else 'no':>5} "
            f"{'yes' if bar['deterministic'] and trend['deterministic'] else 'NO':>10}"
        )
    print()
    for r in ran:
        print(f"{r['name']:15} on disk: {r['weight']}")

    if not ran:
        return
    pdf = run_pdf([r["name"] for r in ran], args.out)
    print()
    if isinstance(pdf, str):
        print(f"PDF: skipped: {pdf}")
        return
    print(
        f"PDF (WeasyPrint, A4, both charts as data: <img>; page without charts "
        f"{pdf['']['ms']:.0f} ms)"
    )
    for r in ran:
        p = pdf[r["name"]]
        print(
            f"{r['name']:15} {p['ms']:5.0f} ms (+{p['ms'] - pdf['']['ms']:.0f} for the charts), "
            f"{p['bytes'] / 1024:4.0f} KiB, {p['pages']} page(s), labels extracted by pypdf "
            f"{p['found_squashed']}/{len(EXPECTED_TEXT)} ({p['found']} with their spaces)"
        )
    print(previews([r["name"] for r in ran], args.out))


if __name__ == "__main__":
    main()
