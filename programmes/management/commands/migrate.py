"""Django's migrate, waiting at most LOCK_TIMEOUT for any lock it needs (QUALITY R-10).

A migration that altered a table while a long query held it would otherwise queue for its
lock, and every request for that table would queue behind the migration: the site stalls.
With the limit the migration fails at once with "canceling statement due to lock timeout",
its transaction rolls back, and it can simply be run again. Only this command's connection
gets the limit, and only while it runs; the app's own requests keep the server's setting.
"""

from __future__ import annotations

from django.core.management.commands import migrate
from django.db import connections

LOCK_TIMEOUT = "2s"


class Command(migrate.Command):
    help = migrate.Command.help + f" Waits at most {LOCK_TIMEOUT} for a lock on PostgreSQL."

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            return super().handle(*args, **options)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('lock_timeout')")
            before = cursor.fetchone()[0]
            cursor.execute("SELECT set_config('lock_timeout', %s, false)", [LOCK_TIMEOUT])
        try:
            return super().handle(*args, **options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, false)", [before])
