"""PRIVACY.md and SECURITY.md stay true to the code (QUALITY G-5).

- Every model that holds personal data, or data about people, is named in PRIVACY.md's
  tables as `ClassName`: every model `programmes.deletion.owned_models()` deletes with a
  programme, every model with a chain of foreign keys to a user or a participant (found by
  walking the models, so a new one is caught), and the few that hold such data without a key
  (workspaces, the audit log, rate counters, Django's sessions).
- Every setting, `manage.py` command, module attribute, file and address the two papers name
  in backticks exists: a paper that names something the code no longer has is wrong.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import get_commands
from django.db import models
from django.urls import Resolver404, resolve

from programmes import deletion
from programmes.models import (
    AuditEntry,
    ManagerInvitation,
    Membership,
    Participant,
    Programme,
    ProgrammeManager,
    RateCounter,
    Workspace,
    WorkspaceInvitation,
)

ROOT = Path(settings.BASE_DIR)
PAPERS = ("PRIVACY.md", "SECURITY.md")
APPS = ("programmes", "surveys", "seminars", "actionplans", "config")

# Models that hold data about people without a foreign key that would find them.
WITHOUT_A_KEY = {Workspace, AuditEntry, RateCounter, Session}
# Accounts, workspaces and what hangs on them: named whatever the walk finds.
ALWAYS = {
    get_user_model(),
    Membership,
    Workspace,
    WorkspaceInvitation,
    ManagerInvitation,
    ProgrammeManager,
    AuditEntry,
    RateCounter,
}

CODE_SPAN = re.compile(r"`([^`\n]+)`")
SETTING = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
COMMAND = re.compile(r"manage\.py\s+([a-z_]+)")
FILE = re.compile(r"[\w./-]+\.(?:py|md|html)")
RELATIVE_PATH = re.compile(r"(?:\.|[\w-][\w.-]*)(?:/[\w.-]+)+/?")
URL_PATH = re.compile(r"/[\w./-]*")
APP_ATTRIBUTE = re.compile(rf"(?:{'|'.join(APPS)})(?:\.\w+)+(?:\(\))?")
# An environment variable is named in quotes where config/ reads it ("DATABASE_URL").
QUOTED_NAME = re.compile(r"[\"']([A-Z][A-Z0-9_]+)[\"']")


def paper(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def code_spans(text: str) -> list[str]:
    return [span.strip() for span in CODE_SPAN.findall(text)]


def reaching(targets: set[type[models.Model]]) -> set[type[models.Model]]:
    """The models with a chain of foreign keys (or one-to-one keys) to any of the targets."""
    found = set(targets)
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model in found:
                continue
            for field in model._meta.concrete_fields:
                if (field.many_to_one or field.one_to_one) and field.related_model in found:
                    found.add(model)
                    changed = True
                    break
    return found


def models_about_people() -> set[type[models.Model]]:
    owned = {entry.model for entry in deletion.owned_models()}
    keyed = reaching({Programme, get_user_model(), Participant})
    return owned | keyed | WITHOUT_A_KEY | ALWAYS


def test_the_walk_finds_the_models_it_must():
    found = models_about_people()
    names = {model.__name__ for model in found}
    # The walk reaches across apps and through chains of keys, not one hop only.
    assert {"Response", "Answer", "Participation", "Seat", "Post", "PersonalPlan"} <= names
    assert {"Reminder", "LogEntry", "ParticipantImport", "SparringShare"} <= names
    assert len(found) >= 50, sorted(names)


def unnamed_models(text: str) -> list[str]:
    named = set(code_spans(text))
    return sorted(
        f"{model._meta.label} (`{model.__name__}`)"
        for model in models_about_people()
        if model.__name__ not in named
    )


def test_every_model_about_people_is_named_in_the_privacy_paper():
    missing = unnamed_models(paper("PRIVACY.md"))
    assert not missing, "PRIVACY.md names no table row for: " + ", ".join(missing)


def test_a_model_named_without_backticks_counts_as_missing():
    text = paper("PRIVACY.md").replace("`Reminder`", "Reminder")
    assert unnamed_models(text) == ["actionplans.Reminder (`Reminder`)"]


def environment_variables() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "config").glob("*.py"):
        names |= set(QUOTED_NAME.findall(path.read_text(encoding="utf-8")))
    return names


def app_attribute_exists(reference: str) -> bool:
    """`programmes.deletion.owned_models()`: the longest importable module, then attributes."""
    parts = reference.removesuffix("()").split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(target, name):
                return False
            target = getattr(target, name)
        return True
    return False


def path_exists(token: str) -> bool:
    token = token.rstrip("/")
    if (ROOT / token).exists():
        return True
    return token.endswith(".html") and (ROOT / "templates" / token).exists()


def url_exists(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def problems_in(name: str) -> list[str]:
    commands = get_commands()
    variables = environment_variables()
    problems = []
    for span in code_spans(paper(name)):
        for command in COMMAND.findall(span):
            if command not in commands:
                problems.append(f"{span!r}: no manage.py command {command!r}")
        if SETTING.fullmatch(span) and not hasattr(settings, span) and span not in variables:
            problems.append(
                f"{span!r}: neither a setting nor an environment variable config/ reads"
            )
        if APP_ATTRIBUTE.fullmatch(span) and not app_attribute_exists(span):
            problems.append(f"{span!r}: no such module or attribute")
        is_file = FILE.fullmatch(span) is not None
        in_project = RELATIVE_PATH.fullmatch(span) and (ROOT / span.split("/")[0]).is_dir()
        if (is_file or in_project) and not path_exists(span):
            problems.append(f"{span!r}: no such file")
        if URL_PATH.fullmatch(span) and not url_exists(span):
            problems.append(f"{span!r}: no such address in the URLconf")
    return problems


@pytest.mark.parametrize("name", PAPERS)
def test_what_the_papers_name_in_backticks_exists(name):
    problems = problems_in(name)
    assert not problems, f"{name}:\n" + "\n".join(problems)


WRONG = [
    "`manage.py no_such_command`",
    "`NO_SUCH_SETTING`",
    "`programmes.no_such_module`",
    "`programmes.deletion.no_such_function()`",
    "`programmes/no_such_file.py`",
    "`scripts/no_such_script`",
    "`/no-such-page/`",
]
RIGHT = [
    "`manage.py retention`",
    "`SESSION_COOKIE_AGE`",
    "`DATABASE_URL`",
    "`programmes.deletion.owned_models()`",
    "`programmes/deletion.py`",
    "`scripts/sbom`",
    "`/plan/erase/`",
    "`Participant`",
]


def test_the_checks_catch_a_wrong_name(monkeypatch):
    """The checker itself works: a made-up name of each kind is reported, real ones are not."""
    text = " ".join(WRONG + RIGHT)
    monkeypatch.setattr("tests.test_privacy_paper.paper", lambda name: text)
    problems = problems_in("X.md")
    assert len(problems) == len(WRONG), problems
