"""Shared helpers for the benchmark scripts: Django set-up, throwaway data, gunicorn, phones.

Not a benchmark itself. The scripts import it after putting this folder on ``sys.path``
(a script's own folder is there already). It also holds ``bare_insert_app``, a tiny
stand-alone Django project (``settings.configure``) that gunicorn serves as the baseline
for ``submit_burst.py``::

    gunicorn --pythonpath benchmarks 'benchlib:bare_insert_app()'

Only the standard library and what the app already installs are used.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench"
BARE_TABLE = "bench_bare_insert"


# --- Django and the database -------------------------------------------------------------


def database_url() -> str:
    """DATABASE_URL, else the benchmarks' own PostgreSQL database (never the SQLite default)."""
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in url if it does not exist yet."""
    import psycopg

    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(*, migrate: bool = True) -> str:
    """Configure Django with the app's settings on the benchmark database; migrate it."""
    url = database_url()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    ensure_database(url)

    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    return url


def machine() -> str:
    """Cores and load average: other processes on the same cores move every figure."""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load} (1/5/15 min) before the run"


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


@dataclass
class Fixture:
    """A throwaway programme with a unit tree and its rounds."""

    workspace: object
    programme: object
    units: list  # every unit, parents first
    leaves: list
    rounds: list
    items: list

    def delete(self) -> None:
        from programmes import services

        services.delete_programme(programme=self.programme)
        self.workspace.delete()


def build_programme(
    *, label: str, departments: int, teams: int, rounds: int = 1, open_last: bool = True
) -> Fixture:
    """A programme with departments x teams units and `rounds` rounds with their own codes.

    Every round is opened (which pins the survey set-up); all but the last are closed again,
    and the last stays open when open_last is true.
    """
    from programmes import services as programme_services
    from programmes.models import Unit, Workspace
    from surveys import services as survey_services
    from surveys.models import Round

    workspace = Workspace.objects.create(name=f"Benchmark {label} {uuid.uuid4().hex[:8]}")
    programme = programme_services.create_programme(
        workspace=workspace,
        organisation=f"Benchmark kommune ({label})",
        title=f"Benchmark {label}",
        language="da",
    )
    units, leaves = [], []
    for d in range(departments):
        parent = Unit.objects.create(programme=programme, name=f"Afdeling {d + 1}")
        units.append(parent)
        for t in range(teams):
            leaf = Unit.objects.create(programme=programme, parent=parent, name=f"Team {t + 1}")
            units.append(leaf)
            leaves.append(leaf)
    survey_services.get_or_create_setup(programme=programme)
    made = []
    for number in range(rounds):
        survey_round = Round.objects.create(programme=programme, title=f"Måling {number + 1}")
        survey_round = survey_services.open_round(round=survey_round)
        if number < rounds - 1 or not open_last:
            survey_round = survey_services.close_round(round=survey_round)
        made.append(survey_round)
    items = survey_services.survey_items(programme)
    return Fixture(workspace, programme, units, leaves, made, items)


# --- Numbers ------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def kib(size: float) -> str:
    return f"{size / 1024:.1f} KiB"


# --- Processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def random_secret_key() -> str:
    return secrets.token_urlsafe(48)  # 64 characters


@dataclass
class Server:
    """A server this process started; stop() ends it (and only it) by its process group."""

    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def log_problems(self) -> list[str]:
        """Lines of the server log that show errors or tracebacks."""
        if not self.log_path.exists():
            return []
        pattern = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b|WORKER TIMEOUT")
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines if pattern.search(line)]


def start_gunicorn(
    *,
    name: str,
    app: str,
    env: dict[str, str],
    log_path: Path,
    workers: int = 3,
    extra_args: tuple[str, ...] = (),
    ready_path: str = "/healthz",
    ready_timeout: float = 30.0,
) -> Server:
    """Start `gunicorn app` on a free loopback port and wait until ready_path answers 200."""
    port = free_port()
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        app,
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(ROOT),
        "--no-control-socket",  # gunicorn 24+ would share ~/.gunicorn/gunicorn.ctl otherwise
        *extra_args,
    ]
    return start_server(name, port, command, env, log_path, ready_path, ready_timeout)


def start_runserver(
    *,
    name: str,
    env: dict[str, str],
    log_path: Path,
    ready_path: str = "/healthz",
    ready_timeout: float = 60.0,
) -> Server:
    """Start `manage.py runserver` (threaded, as scripts/start runs it) on a free port."""
    port = free_port()
    command = [
        str(ROOT / ".venv" / "bin" / "python"),
        "manage.py",
        "runserver",
        "--noreload",  # one process, never restarted by a file change during the run
        f"127.0.0.1:{port}",
    ]
    return start_server(name, port, command, env, log_path, ready_path, ready_timeout)


def start_server(
    name: str,
    port: int,
    command: list[str],
    env: dict[str, str],
    log_path: Path,
    ready_path: str,
    ready_timeout: float,
) -> Server:
    """Run command in its own process group and wait until ready_path answers 200."""
    log = log_path.open("wb")
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so stop() reaches the workers
    )
    log.close()
    server = Server(name, port, process, log_path)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early; see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", ready_path, headers={"Host": "127.0.0.1"})
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} did not answer {ready_path} within {ready_timeout:.0f} s")


# --- A throwaway PostgreSQL cluster --------------------------------------------------------


def postgres_bin(name: str) -> str:
    """A PostgreSQL program from the newest installed server version (Debian's layout)."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[4]))
    if not found:
        raise RuntimeError(f"no {name} under /usr/lib/postgresql/*/bin")
    return str(found[-1])


@dataclass
class Cluster:
    """A PostgreSQL cluster of this process's own, on a free loopback port in a temporary
    folder, as scripts/env.sh starts one: the fault scripts stop and crash it, never the
    shared server. Run as the postgres user when this process is root (initdb refuses root).
    """

    folder: Path
    port: int
    as_user: list[str]

    @classmethod
    def create(cls) -> Cluster:
        folder = Path(tempfile.mkdtemp(prefix="pg-throwaway-"))
        as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(folder, user="postgres")
            as_user = ["runuser", "-u", "postgres", "--"]
        cluster = cls(folder, free_port(), as_user)
        cluster.run("initdb", "-D", str(folder / "data"), "-U", "postgres", "-A", "trust")
        cluster.start()
        return cluster

    def run(self, program: str, *args: str, timeout: float = 120.0) -> float:
        """Run a PostgreSQL program on this cluster; returns its wall time in seconds."""
        started = time.perf_counter()
        subprocess.run(
            [*self.as_user, postgres_bin(program), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # a pipe would be held open by the server it starts
            timeout=timeout,
        )
        return time.perf_counter() - started

    def pg_ctl(self, action: str, *args: str) -> float:
        return self.run("pg_ctl", action, "-D", str(self.folder / "data"), "-w", *args)

    def start(self) -> float:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        return self.pg_ctl("start", "-o", options, "-l", str(self.folder / "log"))

    def stop(self, mode: str = "fast") -> float:
        return self.pg_ctl("stop", "-m", mode)

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        """Stop it (if running) and delete its folder."""
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.stop("immediate")  # fails when it is stopped already
        shutil.rmtree(self.folder, ignore_errors=True)


# --- A phone: cookies kept by hand over http.client ------------------------------------------

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Phone:
    """One browser: its own cookie jar (sent back whatever the Secure flag says)."""

    port: int
    host: str = "127.0.0.1"
    timeout: float = 60.0
    cookies: dict[str, str] = field(default_factory=dict)
    csrf_token: str = ""
    accept_language: str = ""  # as a phone set to Danish sends it, when given

    def request(self, method: str, path: str, fields: dict[str, str] | None = None) -> Reply:
        headers = {"Host": self.host, "User-Agent": "benchmark-phone/1.0"}
        if self.accept_language:
            headers["Accept-Language"] = self.accept_language
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            form = dict(fields or {})
            form.setdefault("csrfmiddlewaretoken", self.csrf_token)
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            seconds = time.perf_counter() - start
            for header in response.msg.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    if morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            reply = Reply(
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                data,
                seconds,
            )
        finally:
            conn.close()
        if method == "GET" and (match := CSRF_INPUT.search(reply.text)):
            self.csrf_token = match.group(1)
        return reply


@dataclass
class SplitPhone(Phone):
    """One browser behind a load balancer without sticky sessions: each request goes to the
    next of `ports` in turn, so what one app server put in the session the other must read.

    `served` counts the requests each port answered (or failed to answer).
    """

    ports: tuple[int, ...] = ()
    turn: int = 0
    served: Counter = field(default_factory=Counter)

    def request(self, method: str, path: str, fields: dict[str, str] | None = None) -> Reply:
        self.port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        self.served[self.port] += 1
        return super().request(method, path, fields)

    def tab(self, port: int) -> Phone:
        """Another tab of this browser, sent to one server: the same cookies, its own jar."""
        return Phone(port, cookies=dict(self.cookies), csrf_token=self.csrf_token)


def split_phone(ports: tuple[int, ...], first: int = 0, **kwargs) -> SplitPhone:
    """A SplitPhone whose first request goes to ports[first] (phones start on either)."""
    return SplitPhone(ports[first % len(ports)], ports=ports, turn=first, **kwargs)


class FlowError(Exception):
    """A step of a phone's walk answered otherwise than the app's flow says it does."""


def expect_step(reply: Reply, status: int, step: str, location: str | None = None) -> None:
    if reply.status != status or (location is not None and reply.location != location):
        raise FlowError(
            f"{step}: expected {status} {location or ''}, got {reply.status} {reply.location}"
        )


def answer_survey(
    phone: Phone, *, round_id: int, code: str, unit_id: int, pages: list[list[int]], seed: int
) -> dict[str, str]:
    """Walk a phone from the room code to the review page; return the review form.

    Every step checks where the app sends the phone next, so a step that lost what the
    session held (the draft, the language) fails here instead of passing by accident. With
    a SplitPhone the steps alternate between servers.
    """
    rng = random.Random(seed)
    base = f"/s/{round_id}/"
    expect_step(phone.request("GET", f"/j/{code}/"), 302, "join", base)
    expect_step(phone.request("GET", base), 200, "start page")
    expect_step(phone.request("POST", base, {"language": "da"}), 302, "language", base)
    expect_step(phone.request("POST", base, {"unit": str(unit_id)}), 302, "unit", base + "q/1/")
    for number, item_ids in enumerate(pages, start=1):
        level = rng.randint(2, 4)
        fields = {f"item-{pk}": str(min(5, max(1, level + rng.randint(-1, 1)))) for pk in item_ids}
        fields["nav"] = "next"
        following = f"{base}q/{number + 1}/" if number < len(pages) else base + "review/"
        reply = phone.request("POST", f"{base}q/{number}/", fields)
        expect_step(reply, 302, f"page {number}", following)
    review = phone.request("GET", base + "review/")
    expect_step(review, 200, "review page")
    return {
        "csrfmiddlewaretoken": phone.csrf_token,
        "draft": hidden_input(review.text, "draft"),
        "key": hidden_input(review.text, "key"),
    }


def hidden_input(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    if match is None:
        raise ValueError(f"no hidden input {name!r} in the page")
    return match.group(1)


# --- Bursts -------------------------------------------------------------------------------


@dataclass
class Shot:
    status: int  # 0: no answer (connection error or timeout)
    seconds: float
    error: str = ""


def burst(
    calls: list[Callable[[], Reply]], *, barrier_timeout: float = 120.0, join_timeout: float = 300.0
) -> tuple[list[Shot], float]:
    """Run every call in its own thread, all released at once; return the shots and wall time.

    The wall time runs from the barrier's release to the last answer.
    """
    shots: list[Shot | None] = [None] * len(calls)
    released: list[float] = []
    barrier = threading.Barrier(
        len(calls), action=lambda: released.append(time.perf_counter()), timeout=barrier_timeout
    )
    finished = [0.0] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            shots[index] = Shot(0, 0.0, "barrier broken")
            return
        start = time.perf_counter()
        try:
            reply = calls[index]()
            shots[index] = Shot(reply.status, reply.seconds)
        except OSError as error:  # refused, reset, timeout
            shots[index] = Shot(0, time.perf_counter() - start, type(error).__name__)
        finished[index] = time.perf_counter()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + barrier_timeout + join_timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("some requests of the burst did not finish in time")
    if not released:
        raise RuntimeError("the barrier was never released")
    done = [s for s in shots if s is not None]
    return done, max(finished) - released[0]


def histogram(shots: list[Shot]) -> str:
    counts: dict[str, int] = {}
    for shot in shots:
        key = str(shot.status) if shot.status else f"no answer ({shot.error})"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{key}: {n}" for key, n in sorted(counts.items()))


def latency_line(shots: list[Shot]) -> str:
    values = [s.seconds for s in shots if s.status]
    if not values:
        return "no answers"
    return (
        f"p50 {percentile(values, 0.50) * 1000:.0f} ms, "
        f"p95 {percentile(values, 0.95) * 1000:.0f} ms, "
        f"max {max(values) * 1000:.0f} ms"
    )


# --- The baseline: a bare Django view that inserts one row -----------------------------------


BARE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Questions</title>
</head><body><form method="post">{% for q in questions %}<fieldset><legend>{{ q }}</legend>
{% for v in scale %}{% with n=forloop.parentloop.counter %}<label for="{{ n }}-{{ v }}"><input
type="radio" name="q{{ n }}" value="{{ v }}" id="{{ n }}-{{ v }}"> {{ v }}</label>{% endwith %}
{% endfor %}</fieldset>{% endfor %}<button>Next</button></form></body></html>"""


def bare_insert_app():
    """WSGI factory for gunicorn: a minimal Django project with one view inserting one row,
    and one rendering a page of five questions (survey_flow.py's baseline for a page GET).

    The database exactly as config/settings.py makes it from DATABASE_URL (PostgreSQL with
    its connection pool, or SQLite with its WAL and locking options); DEBUG off, no
    middleware, no sessions, no templates. The table is made by submit_burst.py.
    """
    from django.conf import settings

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from config import settings as app_settings  # read as a plain module: only its values

    database = app_settings.DATABASES["default"]

    from django.db import connection, transaction
    from django.http import HttpResponse
    from django.template import Context, Template
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    @csrf_exempt
    def insert(request):
        if request.method != "POST":
            return HttpResponse(status=405)
        key = uuid.UUID(request.POST.get("key", ""))
        if connection.vendor == "sqlite":
            key = key.hex  # the sqlite3 module binds no UUID objects
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {BARE_TABLE} (key, payload) VALUES (%s, %s)",
                [key, request.POST.get("payload", "")],
            )
        return HttpResponse(status=303, headers={"Location": "/done/"})

    def page(request):
        """A page of five questions with five answers each, through the template engine."""
        questions = [f"Question {n}" for n in range(1, 6)]
        html = Template(BARE_PAGE).render(Context({"questions": questions, "scale": "12345"}))
        return HttpResponse(html)

    def healthz(request):
        return HttpResponse("ok")

    class URLConf:  # any hashable object with urlpatterns will do
        urlpatterns = [path("insert/", insert), path("page/", page), path("healthz", healthz)]

    settings.configure(
        DEBUG=False,
        SECRET_KEY=os.environ.get("SECRET_KEY") or random_secret_key(),
        ALLOWED_HOSTS=["127.0.0.1"],
        ROOT_URLCONF=URLConf,
        DATABASES={"default": database},
        INSTALLED_APPS=[],
        MIDDLEWARE=[],
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
        USE_TZ=True,
    )
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()
