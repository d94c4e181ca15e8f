"""How long the manager's progress report takes, and how much memory it needs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/report_pdf.py

Makes the report as a whole-programme manager downloads it (`programmes.report.build` → the
PDF template with its SVG charts → WeasyPrint) for two programmes on the benchmark database:

1. the demo programme (`manage.py demo`), five times;
2. a large programme, three times: 50 units (10 departments x 4 teams), 4 closed rounds with
   2,000 responses each, spread over the 40 teams, every team with a headcount so the
   response-rate table has figures. Each team has its own climate that moves from round to
   round, so the report has changes to show. The programme is built with
   `benchlib.build_programme` and deleted at the end (also when something fails); how long
   building it took is printed apart from the measured figures.

For each programme it prints the time of each part (the frozen results and the other apps'
parts, the HTML, the PDF), how much of the report's time went to full garbage collections,
the PDF's pages and size, the peak Python memory of one render (tracemalloc) and the
process's peak RSS, beside a baseline from the same run: the results dashboard's data alone
(`surveys.dashboard.build`), as the results page builds it. Each run starts with an untimed
`gc.collect()`, so the previous PDF's garbage is not charged to the next baseline. The goal
is 1.5 s and 300 MB on this machine; each programme's lines say whether its figures meet it
(the RSS is the process's peak so far, so the large programme's includes the demo's).
Other processes on the same cores move every figure: the load average is printed before
and after. Figures only, never asserted.
"""

from __future__ import annotations

import functools
import gc
import io
import itertools
import logging
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import build_programme, machine, redacted, setup_django
from pypdf import PdfReader

RUNS = 5  # the demo programme
LARGE_RUNS = 3
DEPARTMENTS, TEAMS, ROUNDS = 10, 4, 4  # 10 departments + 40 teams = 50 units
RESPONSES_PER_ROUND = 2_000  # about 50 per team
BATCH = 250  # responses per bulk insert (with their answers)
HEADCOUNT = (70, 95)  # invited per team: some teams fall under the 60 % flag
DONT_KNOW_SHARE = 0.05  # of answers to items that offer "don't know"
SEED = 2026
GOAL_SECONDS = 1.5
GOAL_BYTES = 300 * 10**6


def peak_rss() -> int:
    """The process's peak resident memory so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class FullCollections:
    """Seconds spent in full garbage collections (generation 2), as a gc callback."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"


def measure(programme, runs: int) -> None:
    """Time the report of one programme `runs` times and print its figures."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from programmes import report
    from programmes.access import ProgrammeAccess
    from programmes.pdf import render_pdf
    from surveys import dashboard

    access = ProgrammeAccess(programme, "manager")
    selection = report.selection_from({})
    rss_before = peak_rss()
    baselines, builds, htmls, pdfs, collections = [], [], [], [], []
    size = pages = 0
    collector = FullCollections()
    gc.callbacks.append(collector)
    try:
        for _run in range(runs):
            # The previous run's garbage is collected here, untimed, not in the baseline.
            gc.collect()
            started = time.perf_counter()
            dashboard.build(access, selection, language=programme.language)
            baseline = time.perf_counter()
            collected = collector.seconds
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
            collections.append(collector.seconds - collected)
            size, pages = len(pdf), len(PdfReader(io.BytesIO(pdf)).pages)
    finally:
        gc.callbacks.remove(collector)
    tracemalloc.start()
    report.render(report.build(access, selection))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = peak_rss()

    total = [b + h + p for b, h, p in zip(builds, htmls, pdfs, strict=True)]
    whole = statistics.median(total)
    ratio = whole / statistics.median(baselines)
    print(f"  dashboard (baseline) {ms(baselines)}")
    print(f"  report data         {ms(builds)}  (results, seminars, plans, summary, charts)")
    print(f"  HTML                {ms(htmls)}")
    print(f"  PDF (WeasyPrint)    {ms(pdfs)}")
    print(f"  whole report        {ms(total)}  ({ratio:.0f} x the dashboard's data)")
    print(f"  of which full GC    {ms(collections)}  (generation 2 collections, any part)")
    print(f"  PDF size            {size / 1024:.0f} KiB, {pages} pages")
    print(f"  peak Python memory  {peak / 2**20:.1f} MiB for one report (tracemalloc)")
    print(
        f"  process peak RSS    {rss / 2**20:.0f} MiB (the whole run so far; "
        f"{rss_before / 2**20:.0f} MiB before these reports)"
    )
    time_met = whole <= GOAL_SECONDS
    memory_met = rss <= GOAL_BYTES
    verdict = "met" if time_met and memory_met else "NOT met"
    print(
        f"  goal                {verdict}: median {whole:.2f} s "
        f"({'within' if time_met else 'over'} {GOAL_SECONDS} s), peak RSS "
        f"{rss / 10**6:.0f} MB ({'within' if memory_met else 'over'} {GOAL_BYTES // 10**6} MB)"
    )


def add_responses(fixture, rng: random.Random) -> int:
    """Open each round, add its responses and answers in batches, and close it again.

    build_programme closed the rounds while they were empty, so nothing was published yet:
    reopening keeps wave 0 and the close after the insert publishes every response.
    Returns how many answers were written.
    """
    from programmes.models import Unit
    from surveys import scoring
    from surveys import services as survey_services
    from surveys.models import Answer, Response

    items = fixture.items
    specs = [item.spec() for item in items]
    item_ids = [item.pk for item in items]
    dont_know = [item.allow_dont_know for item in items]
    instrument_id = fixture.programme.survey_setup.instrument_id

    @functools.lru_cache(maxsize=50_000)
    def scores(values: tuple[int | None, ...]) -> dict[str, float | None]:
        return scoring.respondent_scores(dict(zip(item_ids, values, strict=True)), specs)

    teams = fixture.leaves
    for team in teams:
        team.headcount = rng.randint(*HEADCOUNT)
    Unit.objects.bulk_update(teams, ["headcount"])
    climate = {team.pk: rng.uniform(2.4, 4.1) for team in teams}  # mean answer, 1-5
    change = {team.pk: rng.gauss(0.15, 0.25) for team in teams}  # per round
    weights = list(itertools.accumulate(team.headcount for team in teams))
    written = 0
    for wave, survey_round in enumerate(fixture.rounds):
        survey_round = survey_services.open_round(round=survey_round)
        for start in range(0, RESPONSES_PER_ROUND, BATCH):
            responses, answers = [], []
            for _ in range(min(BATCH, RESPONSES_PER_ROUND - start)):
                unit_id = rng.choices(teams, cum_weights=weights)[0].pk
                person = rng.gauss(climate[unit_id] + wave * change[unit_id], 0.6)
                values = tuple(
                    None
                    if dk and rng.random() < DONT_KNOW_SHARE
                    else min(5, max(1, round(rng.gauss(person, 0.7))))
                    for dk in dont_know
                )
                response = Response(
                    round=survey_round,
                    unit_id=unit_id,
                    language="da",
                    instrument_id=instrument_id,
                    idempotency_key=uuid.uuid4(),
                    wave=survey_round.wave,
                    **scores(values),
                )
                responses.append(response)
                answers.extend(
                    Answer(response=response, item_id=item_id, value=value)
                    for item_id, value in zip(item_ids, values, strict=True)
                )
            Response.objects.bulk_create(responses)
            Answer.objects.bulk_create(answers, batch_size=5_000)
            written += len(answers)
        fixture.rounds[wave] = survey_services.close_round(round=survey_round)
    return written


def main() -> None:
    url = setup_django()
    from django.core.management import call_command
    from django.db import connection

    from programmes.models import Programme
    from surveys.models import Answer, Response

    # WeasyPrint logs every layout step at INFO; the figures are what this prints.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)

    print(f"database            {redacted(url)}")
    print(f"machine             {machine()}")
    print(f"goal                whole report <= {GOAL_SECONDS} s and <= 300 MB (demo programme)")
    call_command("demo", verbosity=0, json=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    demo = Programme.objects.get(template="four_seminars")
    print(f"demo programme      {demo} ({demo.units.count()} units), {RUNS} runs")
    measure(demo, RUNS)

    started = time.perf_counter()
    fixture = build_programme(
        label="report", departments=DEPARTMENTS, teams=TEAMS, rounds=ROUNDS, open_last=False
    )
    try:
        answers = add_responses(fixture, random.Random(SEED))
        with connection.cursor() as cursor:  # fresh statistics, as autovacuum would make
            cursor.execute(f"ANALYZE {Response._meta.db_table}, {Answer._meta.db_table}")
        programme = Programme.objects.get(pk=fixture.programme.pk)
        print(
            f"large programme     {len(fixture.units)} units, {len(fixture.rounds)} closed "
            f"rounds x {RESPONSES_PER_ROUND:,} responses ({answers:,} answers), "
            f"{LARGE_RUNS} runs"
        )
        print(f"  built in          {time.perf_counter() - started:.1f} s (not measured below)")
        measure(programme, LARGE_RUNS)
    finally:
        started = time.perf_counter()
        fixture.delete()
        print(f"large programme deleted in {time.perf_counter() - started:.1f} s")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average        {load} (1/5/15 min) after the run")


if __name__ == "__main__":
    main()
