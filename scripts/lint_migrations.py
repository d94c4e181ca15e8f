"""Lint the app's migrations with django-migration-linter (QUALITY R-10); CI runs it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python scripts/lint_migrations.py

The linter reads each migration's SQL (sqlmigrate, on PostgreSQL; nothing is applied) and
flags what breaks the code still running while a deploy migrates: a NOT NULL column that the
old code does not fill, a dropped or renamed column, a new unique constraint. Warnings (an
index built under a lock) are printed and do not fail. A migration it flags fails CI unless
it is listed in EXCEPTIONS below with the reason it is safe; an entry whose migration no
longer exists fails too, so the list stays true.

A new column that must be NOT NULL: give it `db_default=` (the default stays in the
database, so the old code's inserts get it) and the linter passes it.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["programmes", "seminars", "surveys", "actionplans"]

# The deploy (README: migrate, then restart gunicorn) leaves a few seconds in which the old
# code runs against the new schema. A NOT NULL column added with a Python-side default has
# no database default after its migration, so an INSERT from the old code fails in those
# seconds: that request rolls back whole and shows the 500 page; nothing stored is touched.
# These were written before the linter ran; each names the table the old code would write.
OLD_CODE_INSERT = (
    "NOT NULL column with a Python default: during a deploy's few seconds between migrate and "
    "restart, the old code's inserts into {} fail and roll back whole (a 500, no partial row)."
)
EXCEPTIONS: dict[str, str] = {
    "programmes.0004_auditentry_details": OLD_CODE_INSERT.format(
        "the audit log (any staff change)"
    ),
    "programmes.0008_user_sessions_epoch": OLD_CODE_INSERT.format("users (new accounts)"),
    "programmes.0010_programme_deletion_retention": OLD_CODE_INSERT.format("programmes"),
    "programmes.0011_programme_privacy": OLD_CODE_INSERT.format("programmes"),
    "programmes.0014_workspace_require_mfa_for_managers": OLD_CODE_INSERT.format("workspaces"),
    "programmes.0015_client_cofacilitators": OLD_CODE_INSERT.format(
        "manager invitations, programme managers and workspaces"
    ),
    "seminars.0002_room_code": OLD_CODE_INSERT.format("seminars")
    + " The unique constraint is partial (codes that are not empty) and every existing row "
    "has an empty code, so it cannot fail; seminars are few, so its index builds at once.",
    "seminars.0003_display_link": OLD_CODE_INSERT.format("seminars"),
    "seminars.0010_documentation": OLD_CODE_INSERT.format("seminars"),
    "seminars.0015_item_in_report": OLD_CODE_INSERT.format("board items (post groups)"),
    "surveys.0003_live_projector": OLD_CODE_INSERT.format("rounds"),
    "surveys.0006_answer_waves": OLD_CODE_INSERT.format("rounds and responses")
    + " A response refused in those seconds is not lost: the phone keeps its draft and the "
    "resend with the same key stores it.",
}


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    logging.getLogger("django_migration_linter").setLevel(logging.WARNING)  # one line each
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django_migration_linter import MigrationLinter

    if connection.vendor != "postgresql":
        print("lint_migrations: DATABASE_URL must point at PostgreSQL (the SQL is PostgreSQL's)")
        return 2
    existing = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    stale = sorted(set(EXCEPTIONS) - existing)
    names = [key.split(".", 1)[1] for key in EXCEPTIONS]
    if len(set(names)) != len(names):  # the linter ignores by name alone, in every app
        print("lint_migrations: two exceptions share a migration name")
        return 2
    linter = MigrationLinter(
        str(ROOT), include_apps=APPS, ignore_name=names, no_cache=True, database="default"
    )
    linter.lint_all_migrations()
    linter.print_summary()
    print(f"written exceptions: {len(EXCEPTIONS)} (scripts/lint_migrations.py)")
    for name in stale:
        print(f"an exception names a migration that does not exist: {name}")
    return 1 if linter.has_errors or stale else 0


if __name__ == "__main__":
    sys.exit(main())
