"""Group results over a million answers: insert time, round_results time and query count.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
        .venv/bin/python benchmarks/aggregation.py

DATABASE_URL defaults to that database (created and migrated if missing); PostgreSQL only
(the rows go in with COPY). Takes about a minute on 2 cores.

Builds a throwaway programme with 50 units (5 departments x 9 teams) and 2 rounds, then
generates 100,000 responses (50,000 per round) x 10 answers = 1,000,000 Answer rows: each
unit has its own climate and each respondent a level around it; items offering "don't know"
get it now and then (a null value). The per-response scores come from
`surveys.scoring.respondent_scores` on the generated answers, exactly as submit stores them.
Responses and answers are written with `COPY ... FROM STDIN` in one transaction, then
ANALYZEd (as autovacuum would after a bulk load).

Then `surveys.results.round_results(programme, rounds)` runs 1 + 5 times: the first (cold)
run is reported apart, the median of the next five is the figure, and one run is captured
with CaptureQueriesContext for the query count. Deletes the programme with
`programmes.services.delete_programme` and reports how long that takes.
"""

from __future__ import annotations

import functools
import itertools
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

RESPONSES_PER_ROUND = 50_000
ROUNDS = 2
DEPARTMENTS, TEAMS = 5, 9  # 5 + 45 = 50 units
DEPARTMENT_SHARE = 0.08  # respondents who choose the department rather than their team
DONT_KNOW_SHARE = 0.08  # of answers to items that offer "don't know"
RUNS = 5
SEED = 2026


def generate(fixture, rng: random.Random):
    """Response rows and Answer rows (as tuples in column order) for every round."""
    from surveys import scoring

    items = fixture.items
    specs = [item.spec() for item in items]
    item_ids = [item.pk for item in items]
    dont_know = [item.allow_dont_know for item in items]
    instrument_id = fixture.programme.survey_setup.instrument_id

    @functools.lru_cache(maxsize=200_000)
    def scores(values: tuple[int | None, ...]) -> tuple[float | None, ...]:
        result = scoring.respondent_scores(dict(zip(item_ids, values, strict=True)), specs)
        return tuple(result[m] for m in scoring.MEASURES)

    climate = {unit.pk: rng.uniform(2.4, 4.1) for unit in fixture.units}
    change = {unit.pk: rng.gauss(0.2, 0.25) for unit in fixture.units}
    departments = [u for u in fixture.units if u.parent_id is None]
    team_weights = list(itertools.accumulate(rng.uniform(0.5, 2.0) for _ in fixture.leaves))
    responses, answers = [], []
    for wave, survey_round in enumerate(fixture.rounds):
        for _ in range(RESPONSES_PER_ROUND):
            if rng.random() < DEPARTMENT_SHARE:
                unit_id = rng.choice(departments).pk
            else:
                unit_id = rng.choices(fixture.leaves, cum_weights=team_weights)[0].pk
            person = rng.gauss(climate[unit_id] + wave * change[unit_id], 0.6)
            values = tuple(
                None
                if dk and rng.random() < DONT_KNOW_SHARE
                else min(5, max(1, round(rng.gauss(person, 0.7))))
                for dk in dont_know
            )
            response_id = uuid.uuid4()
            language = "da" if rng.random() < 0.9 else rng.choice(("sv", "en"))
            responses.append(
                (
                    response_id,
                    survey_round.pk,
                    unit_id,
                    language,
                    instrument_id,
                    uuid.uuid4(),
                    *scores(values),
                )
            )
            answers.extend(
                (response_id, item_id, value)
                for item_id, value in zip(item_ids, values, strict=True)
            )
    return responses, answers, scores.cache_info()


def copy_rows(cursor, model, columns: list[str], rows) -> None:
    table = model._meta.db_table
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def main() -> None:
    url = benchlib.setup_django()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from programmes import services
    from programmes.models import Programme
    from surveys import results, scoring
    from surveys.models import Answer, Response

    print(f"machine             {benchlib.machine()}")
    print(f"database            {benchlib.redacted(url)}")
    started = time.perf_counter()
    fixture = benchlib.build_programme(
        label="aggregation", departments=DEPARTMENTS, teams=TEAMS, rounds=ROUNDS
    )
    print(
        f"programme           {len(fixture.units)} units, {len(fixture.rounds)} rounds, "
        f"{len(fixture.items)} items ({time.perf_counter() - started:.1f} s)"
    )
    deleted = False
    try:
        started = time.perf_counter()
        responses, answers, cache = generate(fixture, random.Random(SEED))
        generated = time.perf_counter() - started
        print(
            f"generate            {len(responses):,} responses, {len(answers):,} answers, "
            f"scored with scoring.respondent_scores in {generated:.1f} s "
            f"({cache.misses:,} distinct answer patterns)"
        )

        response_columns = [
            "id",
            "round_id",
            "unit_id",
            "language",
            "instrument_id",
            "idempotency_key",
            *scoring.MEASURES,
        ]
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as wrapper:
            copy_rows(wrapper.cursor, Response, response_columns, responses)
            copied_responses = time.perf_counter()
            copy_rows(wrapper.cursor, Answer, ["response_id", "item_id", "value"], answers)
            copied_answers = time.perf_counter()
        inserted = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Response._meta.db_table}, {Answer._meta.db_table}")
        analysed = time.perf_counter()
        round_ids = [r.pk for r in fixture.rounds]
        response_rows = Response.objects.filter(round_id__in=round_ids).count()
        answer_rows = Answer.objects.filter(response__round_id__in=round_ids).count()
        print(
            f"insert (COPY)       {inserted - started:.1f} s in one transaction, "
            f"{(response_rows + answer_rows) / (inserted - started):,.0f} rows/s"
        )
        print(
            f"  responses         {copied_responses - started:.1f} s; answers "
            f"{copied_answers - copied_responses:.1f} s; commit {inserted - copied_answers:.1f} s "
            "(Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: checked at commit)"
        )
        print(f"analyze             {analysed - inserted:.1f} s")
        print(f"rows in database    {response_rows:,} responses, {answer_rows:,} answers")
        assert response_rows == ROUNDS * RESPONSES_PER_ROUND, response_rows
        assert answer_rows == len(answers), answer_rows
        del responses, answers

        programme = Programme.objects.get(pk=fixture.programme.pk)
        rounds = list(programme.rounds.order_by("pk"))

        def aggregate():
            return results.round_results(programme, rounds)

        started = time.perf_counter()
        outcome = aggregate()
        cold = time.perf_counter() - started
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            aggregate()
            timings.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            aggregate()
        calls, spent = 0, 0.0
        original = scoring.t_quantile

        def counted(*args, **kwargs):
            nonlocal calls, spent
            calls += 1
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent += time.perf_counter() - started

        scoring.t_quantile = counted  # one instrumented run: where the Python time goes
        try:
            started = time.perf_counter()
            aggregate()
            instrumented = time.perf_counter() - started
        finally:
            scoring.t_quantile = original
        sql_timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            results.own_statistics(round_ids)
            sql_timings.append(time.perf_counter() - started)

        print(
            f"round_results       median {statistics.median(timings) * 1000:.0f} ms of {RUNS} "
            f"runs (min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f}); "
            f"first run {cold * 1000:.0f} ms"
        )
        print(
            f"  of which SQL      own_statistics median "
            f"{statistics.median(sql_timings) * 1000:.0f} ms (the grouped aggregate query)"
        )
        print(
            f"  of which Python  t_quantile {spent * 1000:.0f} ms of a "
            f"{instrumented * 1000:.0f} ms run: {calls:,} calls of scoring.t_quantile "
            "(one per shown group and measure)"
        )
        print(f"  queries           {len(queries)}")
        for query in queries.captured_queries:
            print(f"    {query['time']} s  {query['sql'][:110]}")
        for survey_round in rounds:
            root = outcome[survey_round.pk].figure(scoring.INDEX)
            shown = sum(
                1
                for unit_id, group in outcome[survey_round.pk].groups[scoring.INDEX].items()
                if unit_id is not None and group.shown
            )
            mean = f"{root.summary.mean:.1f}" if root.summary else "-"
            print(
                f"  {survey_round.title:<17} index n={root.shown_n}, mean {mean}; "
                f"{shown} of {len(fixture.units)} units shown"
            )

        started = time.perf_counter()
        services.delete_programme(programme=programme)
        fixture.workspace.delete()
        deleted = True
        print(f"delete_programme    {time.perf_counter() - started:.1f} s")
    finally:
        if not deleted:
            fixture.delete()


if __name__ == "__main__":
    main()
