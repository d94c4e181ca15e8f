"""The table of the database cache (settings.CACHES without REDIS_URL).

Login limits and used second-factor codes live in Django's cache, which must be shared by every
worker and server: with no Redis, that is this table. A migration creates it, so every database
that is migrated has it (a deployment, `scripts/start`, the test databases), whatever the
settings of the process that migrates. Created as `manage.py createcachetable` would.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "django_cache"


def create(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("programmes", "0012_audit_actor_by_id")]

    operations = [migrations.RunPython(create, drop)]
