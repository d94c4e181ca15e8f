"""Make the audit log append-only: UPDATE and DELETE on its rows raise an error.

A trigger, not GRANTs, because GRANTs do not bind a superuser.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION programmes_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER programmes_auditentry_append_only
    BEFORE UPDATE OR DELETE ON programmes_auditentry
    FOR EACH ROW EXECUTE FUNCTION programmes_auditentry_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS programmes_auditentry_append_only ON programmes_auditentry;
DROP FUNCTION IF EXISTS programmes_auditentry_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER programmes_auditentry_no_update BEFORE UPDATE ON programmes_auditentry
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
    """CREATE TRIGGER programmes_auditentry_no_delete BEFORE DELETE ON programmes_auditentry
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS programmes_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS programmes_auditentry_no_delete;",
]


def forwards(apps, schema_editor):
    statements = POSTGRES_UP if schema_editor.connection.vendor == "postgresql" else None
    if statements:
        schema_editor.execute(statements)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("programmes", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
