"""The database itself refuses to change or delete processing log entries.

PostgreSQL: a trigger raises on UPDATE, DELETE and TRUNCATE. SQLite (the
embedded development database): triggers abort UPDATE and DELETE. Removing
the triggers takes a migration, which is reviewed like any code change.

TRUNCATE is let through only in a session that deliberately sets
``audit.allow_truncate = 'on'`` (the test suite does, to empty the database
between tests; the application never does).
"""

from django.db import migrations

TABLE = "audit_processinglogentry"

POSTGRES_UP = f"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('audit.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'The processing log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
"""
POSTGRES_DOWN = f"""
DROP TRIGGER IF EXISTS audit_no_update ON {TABLE};
DROP TRIGGER IF EXISTS audit_no_truncate ON {TABLE};
DROP FUNCTION IF EXISTS audit_refuse_change();
"""
SQLITE_UP = [
    f"""CREATE TRIGGER audit_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'The processing log is append-only: UPDATE is not allowed'); END;""",
    f"""CREATE TRIGGER audit_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'The processing log is append-only: DELETE is not allowed'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_no_update;", "DROP TRIGGER IF EXISTS audit_no_delete;"]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": [POSTGRES_UP], "sqlite": SQLITE_UP}.get(vendor)
    if statements is None:
        raise RuntimeError(f"No append-only triggers for database {vendor!r}.")
    for statement in statements:
        schema_editor.execute(statement, params=None)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in {"postgresql": [POSTGRES_DOWN], "sqlite": SQLITE_DOWN}.get(vendor, []):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
