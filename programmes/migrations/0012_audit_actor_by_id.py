"""The audit log names people by id only: the account names already written are blanked, and
the append-only trigger lets exactly that change through (nothing else in a row may change),
so erasing an account leaves the log with a number, never a name or an e-mail address.

Rows written before the log had `details` kept a free `summary`; one holding an e-mail
address is blanked the same way.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION programmes_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.actor = '' AND (NEW.summary = OLD.summary OR NEW.summary = '')
       AND NEW.id = OLD.id AND NEW.created_at = OLD.created_at
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.role = OLD.role
       AND NEW.workspace_id IS NOT DISTINCT FROM OLD.workspace_id
       AND NEW.programme_id IS NOT DISTINCT FROM OLD.programme_id
       AND NEW.action = OLD.action AND NEW.object_type = OLD.object_type
       AND NEW.object_id = OLD.object_id AND NEW.details = OLD.details
       AND NEW.request_id = OLD.request_id THEN
        RETURN NEW;  -- pseudonymising: a name or an address blanked, nothing else
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
UPDATE programmes_auditentry SET actor = '' WHERE actor <> '';
UPDATE programmes_auditentry SET summary = '' WHERE strpos(summary, '@') > 0;
"""
POSTGRES_DOWN = """
CREATE OR REPLACE FUNCTION programmes_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
"""
SQLITE_UP = [
    "DROP TRIGGER IF EXISTS programmes_auditentry_no_update;",
    """CREATE TRIGGER programmes_auditentry_no_update BEFORE UPDATE ON programmes_auditentry
    WHEN NOT (NEW.actor = '' AND (NEW.summary = OLD.summary OR NEW.summary = '')
              AND NEW.id = OLD.id AND NEW.created_at = OLD.created_at
              AND NEW.actor_id IS OLD.actor_id AND NEW.role = OLD.role
              AND NEW.workspace_id IS OLD.workspace_id AND NEW.programme_id IS OLD.programme_id
              AND NEW.action = OLD.action AND NEW.object_type = OLD.object_type
              AND NEW.object_id = OLD.object_id AND NEW.details = OLD.details
              AND NEW.request_id = OLD.request_id)
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
    "UPDATE programmes_auditentry SET actor = '' WHERE actor <> '';",
    "UPDATE programmes_auditentry SET summary = '' WHERE instr(summary, '@') > 0;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS programmes_auditentry_no_update;",
    """CREATE TRIGGER programmes_auditentry_no_update BEFORE UPDATE ON programmes_auditentry
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("programmes", "0011_programme_privacy")]

    operations = [migrations.RunPython(forwards, backwards)]
