"""Dashboard render time and the projector poll's throughput.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/dashboard.py

Prints the results page's render time and query count for the demo programme (built with
`manage.py demo` into the same database) and for a synthetic programme with 50 units,
4 closed rounds and 2,000 responses per round; then how many "nothing changed" polls of
the projector's live endpoint one process answers per second. Figures only; nothing is
asserted about time.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from programmes import services as programme_services  # noqa: E402
from programmes.models import Membership, Programme, Unit, User, Workspace  # noqa: E402
from seminars.services import issue_display_token  # noqa: E402
from surveys import scoring  # noqa: E402
from surveys import services as survey_services  # noqa: E402
from surveys.models import Answer, Response, Round  # noqa: E402

UNITS = 50
ROUNDS = 4
RESPONSES = 2_000


def time_page(client: Client, url: str, runs: int = 5) -> tuple[float, int]:
    client.get(url)  # warm caches and templates
    durations = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            durations.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return statistics.median(durations), len(queries)


def synthetic_programme(user: User) -> Programme:
    workspace = Workspace.objects.create(name="Benchmark consultancy")
    Membership.objects.create(workspace=workspace, user=user)
    programme = programme_services.create_programme(
        workspace=workspace, organisation="Benchmark kommune", title="Benchmark", language="da"
    )
    departments = [Unit.objects.create(programme=programme, name=f"Område {d}") for d in range(5)]
    teams = [
        Unit.objects.create(programme=programme, parent=departments[i % 5], name=f"Team {i}")
        for i in range(UNITS - 5)
    ]
    setup = survey_services.get_or_create_setup(programme=programme)
    items = list(setup.items.all())
    specs = [item.spec() for item in items]
    rng = random.Random(7)
    for number in range(ROUNDS):
        round = survey_services.open_round(
            round=Round.objects.create(programme=programme, title=f"Runde {number + 1}")
        )
        responses, answers = [], []
        for _ in range(RESPONSES):
            values = {item.pk: rng.randint(1, 5) for item in items}
            response = Response(
                round=round,
                unit=rng.choice(teams + departments[:1]),
                language="da",
                instrument=setup.instrument,
                idempotency_key=uuid.uuid4(),
                **scoring.respondent_scores(values, specs),
            )
            responses.append(response)
            answers += [Answer(response=response, item_id=k, value=v) for k, v in values.items()]
        Response.objects.bulk_create(responses, batch_size=1000)
        Answer.objects.bulk_create(answers, batch_size=5000)
        survey_services.close_round(round=round)
    return programme


def main() -> None:
    setup_test_environment()  # lets the test client count queries without DEBUG
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("demo", verbosity=0, stdout=quiet)
    demo = Programme.objects.get(title__startswith="Social kapital i Ældreplejen")
    facilitator = User.objects.get(username="facilitator")
    client = Client()
    client.force_login(facilitator)

    seconds, queries = time_page(client, reverse("results", args=[demo.pk]))
    print(f"demo programme results page     {seconds * 1000:7.1f} ms  {queries} queries")

    start = time.perf_counter()
    programme = synthetic_programme(facilitator)
    print(
        f"synthetic data ({UNITS} units, {ROUNDS} rounds x {RESPONSES} responses) built in "
        f"{time.perf_counter() - start:.1f} s"
    )
    try:
        seconds, queries = time_page(client, reverse("results", args=[programme.pk]))
        print(f"synthetic programme results page {seconds * 1000:7.1f} ms  {queries} queries")
        seconds, queries = time_page(
            client, reverse("results_export", args=[programme.pk, "xlsx"]), runs=3
        )
        print(f"synthetic programme XLSX export  {seconds * 1000:7.1f} ms  {queries} queries")

        seminar = demo.seminars.filter(rounds__state="open").first()
        token = issue_display_token(seminar=seminar)
        live = reverse("display_live", args=[token])
        phone = Client()
        first = phone.get(live).content.decode()
        version = first.split("?v=")[1].split('"')[0]
        polls, deadline = 0, time.perf_counter() + 5
        while time.perf_counter() < deadline:
            assert phone.get(live, {"v": version}).status_code == 204
            polls += 1
        print(f"projector poll, nothing changed  {polls / 5:7.0f} requests/s in one process")
    finally:
        workspace = programme.workspace
        programme_services.delete_programme(programme=programme)
        workspace.delete()


if __name__ == "__main__":
    main()
