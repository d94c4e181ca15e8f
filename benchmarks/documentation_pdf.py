"""How long the seminar documentation PDF takes, and how much memory it needs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/documentation_pdf.py

Builds the demo programme (`manage.py demo`) on the benchmark database, picks its largest
seminar (the most posts, notes and evaluation answers) and renders its documentation as the
download does (`seminars.documentation` → the PDF template → WeasyPrint), five times. Prints
the time of each part (reading the data, the HTML, the PDF) and the peak Python memory
of one render (tracemalloc), beside a baseline from the same run: the same HTML rendered
as a page without the PDF step. Figures only, never asserted.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import machine, redacted, setup_django

RUNS = 5


def main() -> None:
    url = setup_django()
    from django.core.management import call_command
    from django.db.models import Count
    from django.template.loader import render_to_string
    from django.utils import translation

    from programmes.pdf import render_pdf
    from seminars import documentation
    from seminars.models import Seminar

    print(f"database            {redacted(url)}")
    print(f"machine             {machine()}")
    call_command("demo", verbosity=0, json=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    seminar = (
        Seminar.objects.filter(programme__title__startswith="Social kapital i Ældreplejen")
        .annotate(posts=Count("activities__board__posts", distinct=True))
        .order_by("-posts")
        .select_related("programme")
        .first()
    )
    print(f"seminar             {seminar} ({seminar.posts} posts)")
    reads, htmls, pdfs = [], [], []
    size = 0
    for _run in range(RUNS):
        with translation.override(seminar.programme.language):
            started = time.perf_counter()
            doc = documentation.documentation(seminar)
            read = time.perf_counter()
            html = render_to_string("pdf/seminar_documentation.html", {"doc": doc})
            rendered = time.perf_counter()
            pdf = render_pdf(html)
            done = time.perf_counter()
        reads.append(read - started)
        htmls.append(rendered - read)
        pdfs.append(done - rendered)
        size = len(pdf)
    tracemalloc.start()
    with translation.override(seminar.programme.language):
        render_pdf(
            render_to_string(
                "pdf/seminar_documentation.html", {"doc": documentation.documentation(seminar)}
            )
        )
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    def ms(values: list[float]) -> str:
        return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"

    print(f"read the data       {ms(reads)}")
    print(f"HTML (baseline)     {ms(htmls)}")
    ratio = statistics.median(pdfs) / statistics.median(htmls)
    print(f"PDF (WeasyPrint)    {ms(pdfs)}  ({ratio:.0f} x the HTML)")
    print(f"PDF size            {size / 1024:.0f} KiB")
    print(f"peak Python memory  {peak / 2**20:.1f} MiB for one render (tracemalloc)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS    {rss:.0f} MiB (the whole run, Pango and fonts included)")


if __name__ == "__main__":
    main()
