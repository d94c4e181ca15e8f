"""How long the manager's progress report takes, and how much memory it needs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/report_pdf.py

Builds the demo programme (`manage.py demo`) on the benchmark database and makes its report
as a whole-programme manager downloads it (`programmes.report.build` → the PDF template with
its SVG charts → WeasyPrint), five times. Prints the time of each part (the frozen results
and the other apps' parts, the HTML, the PDF) and the peak Python memory of one render
(tracemalloc), beside a baseline from the same run: the results dashboard's data alone, as
the results page builds it. The goal is 1.5 s and 300 MB on this machine. Figures only,
never asserted.
"""

from __future__ import annotations

import io
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import machine, redacted, setup_django
from pypdf import PdfReader

RUNS = 5


def main() -> None:
    url = setup_django()
    from django.core.management import call_command
    from django.template.loader import render_to_string
    from django.utils import translation

    from programmes import report
    from programmes.access import ProgrammeAccess
    from programmes.models import Programme
    from programmes.pdf import render_pdf
    from surveys import dashboard

    print(f"database            {redacted(url)}")
    print(f"machine             {machine()}")
    call_command("demo", verbosity=0, json=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    programme = Programme.objects.get(template="four_seminars")
    access = ProgrammeAccess(programme, "manager")
    selection = report.selection_from({})
    print(f"programme           {programme} ({programme.units.count()} units)")
    baselines, builds, htmls, pdfs = [], [], [], []
    size = pages = 0
    for _run in range(RUNS):
        started = time.perf_counter()
        dashboard.build(access, selection, language=programme.language)
        baseline = time.perf_counter()
        made = report.build(access, selection)
        built = time.perf_counter()
        with translation.override(programme.language):
            html = render_to_string("pdf/report.html", {"report": made, "r": made.results})
        rendered = time.perf_counter()
        pdf = render_pdf(html)
        done = time.perf_counter()
        baselines.append(baseline - started)
        builds.append(built - baseline)
        htmls.append(rendered - built)
        pdfs.append(done - rendered)
        size, pages = len(pdf), len(PdfReader(io.BytesIO(pdf)).pages)
    tracemalloc.start()
    report.render(report.build(access, selection))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    def ms(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"

    total = [b + h + p for b, h, p in zip(builds, htmls, pdfs, strict=True)]
    print(f"dashboard (baseline) {ms(baselines)}")
    print(f"report data         {ms(builds)}  (results, seminars, plans, summary, charts)")
    print(f"HTML                {ms(htmls)}")
    print(f"PDF (WeasyPrint)    {ms(pdfs)}")
    ratio = statistics.median(total) / statistics.median(baselines)
    print(f"whole report        {ms(total)}  ({ratio:.0f} x the dashboard's data; goal 1.5 s)")
    print(f"PDF size            {size / 1024:.0f} KiB, {pages} pages")
    print(f"peak Python memory  {peak / 2**20:.1f} MiB for one report (tracemalloc)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS    {rss:.0f} MiB (the whole run; goal 300 MB)")


if __name__ == "__main__":
    main()
