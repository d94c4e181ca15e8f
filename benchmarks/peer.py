"""The peer survey package, served beside the app in the same benchmark run.

The peer is django-survey-and-report 1.5.0 in the minimal project that `../shared/bench/`
keeps (`peer_site/`: twelve five-point questions on one page, anonymous answers), served
as that bench serves it: gunicorn, 3 sync workers, PostgreSQL with Django's pool. Nothing
of it is copied here; it is read from the bench folder and run in a virtual environment of
its own (made once with uv, as the bench's run.sh makes it, in the same scratch folder).

A phone's whole flow on the peer is its two requests: GET the page, POST the answers.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import benchlib

BENCH = benchlib.ROOT.parent / "shared" / "bench"
SITE = BENCH / "peer_site"
VENV = Path(os.environ.get("SCRATCH", "/tmp/perf/pb")) / "peer-venv"
PACKAGES = (
    "django-survey-and-report==1.5.0",
    "django>=5.2,<5.3",
    "psycopg[binary,pool]",
    "gunicorn",
)
DATABASE = "bench_peer"


def available() -> str:
    """Why the peer cannot run here, or "" when it can."""
    if not (SITE / "wsgi.py").exists():
        return f"no peer site at {SITE}"
    if not (VENV / "bin" / "gunicorn").exists() and shutil.which("uv") is None:
        return "no peer venv and no uv to make one"
    return ""


def ensure_venv() -> Path:
    if not (VENV / "bin" / "gunicorn").exists():
        env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
        subprocess.run(["uv", "venv", "-q", str(VENV), "--python", "python3"], check=True, env=env)
        subprocess.run(
            ["uv", "pip", "install", "-q", "--python", str(VENV / "bin" / "python"), *PACKAGES],
            check=True,
            env=env,
            timeout=600,
        )
    return VENV


def _psql(*args: str) -> None:
    subprocess.run(
        [*args, "-h", "127.0.0.1", "-U", "postgres"],
        check=True,
        capture_output=True,
        env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"},
        timeout=60,
    )


def start(tmp: Path) -> tuple[benchlib.Server, str]:
    """A fresh peer database, migrated and seeded; the peer under gunicorn. (server, page)"""
    venv = ensure_venv()
    _psql("dropdb", "--if-exists", "--force", DATABASE)
    _psql("createdb", DATABASE)
    own = {
        "PEERBENCH_DB": DATABASE,
        "DJANGO_SETTINGS_MODULE": "settings",  # the peer site's, not the app's
        "PYTHONPYCACHEPREFIX": str(tmp / "pycache"),
    }
    env = {**os.environ, **own}
    python = str(venv / "bin" / "python")
    run = {"cwd": SITE, "env": env, "check": True, "timeout": 300}
    subprocess.run([python, "manage.py", "migrate", "-v", "0"], **run)
    page = subprocess.run([python, "seed.py"], capture_output=True, text=True, **run)
    path = urlsplit(page.stdout.strip().splitlines()[-1]).path
    port = benchlib.free_port()
    command = [
        str(venv / "bin" / "gunicorn"),
        "wsgi:application",
        "--chdir",
        str(SITE),
        "--workers",
        "3",
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--no-control-socket",
    ]
    server = benchlib.start_server("peer", port, command, own, tmp / "peer.log", path, 30.0)
    return server, path


def stop(server: benchlib.Server | None) -> None:
    if server is not None:
        server.stop()
    _psql("dropdb", "--if-exists", "--force", DATABASE)


def ready(port: int, page: str, rng, form_class) -> tuple[benchlib.Phone, str, dict]:
    """A phone that has the page: (phone, where its form posts, the answers it sends)."""
    phone = benchlib.Phone(port)
    reply = phone.request("GET", page)
    if reply.status != 200:
        raise RuntimeError(f"peer page: {reply.status}")
    form = form_class(reply.text).answer_form()
    data = {**form["hidden"]} | {name: rng.choice(v) for name, v in form["radios"].items()}
    return phone, urljoin(page, form["action"] or page), data


def send(phone: benchlib.Phone, action: str, data: dict) -> benchlib.Reply:
    sent = phone.request("POST", action, data)
    if sent.status not in (302, 303):
        raise RuntimeError(f"peer submit: {sent.status}")
    return sent


def rows() -> int:
    """Responses the peer has stored (a resend stores another)."""
    count = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-Atc",
            "select count(*) from survey_response",
            DATABASE,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return int(count.stdout.strip())
