"""Migrations wait at most 2 s for a lock (QUALITY R-10): programmes' own `migrate` command.

Checked that it can fail: with Django's migrate (the override's file moved away) the
setting seen while migrating is the server's default, 0 (wait for ever), not 2s.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def lock_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout')")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_migrate_runs_with_a_two_second_lock_timeout_and_puts_the_setting_back(monkeypatch):
    seen = []
    migrate = MigrationExecutor.migrate

    def watching(self, *args, **kwargs):
        seen.append(lock_timeout())
        return migrate(self, *args, **kwargs)

    monkeypatch.setattr(MigrationExecutor, "migrate", watching)
    before = lock_timeout()
    call_command("migrate", verbosity=0, interactive=False)
    assert seen == ["2s"]
    assert lock_timeout() == before  # the app's own requests keep the server's setting
