"""Operations the apps' migrations share."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def drop_foreign_key_indexes(*fields: tuple[str, str]) -> migrations.RunPython:
    """Drop the own index of each ("app.Model", "field") foreign key, and only that.

    The database half of `db_index=False` on a foreign key that a composite index already
    leads with: AlterField would drop and re-add the constraint too, re-validating every row
    under lock. The name is the one Django gave the index on either backend.
    """

    def names(
        apps: StateApps, schema_editor: BaseDatabaseSchemaEditor
    ) -> Iterator[tuple[str, str, str]]:
        for label, name in fields:
            model = apps.get_model(label)
            column = model._meta.get_field(name).column
            table = model._meta.db_table
            # The naming Django used when it created the index (private, absent from the stubs).
            index = schema_editor._create_index_name(table, [column], suffix="")  # type: ignore[attr-defined]
            yield schema_editor.quote_name(table), schema_editor.quote_name(column), index

    def forwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for _, _, index in names(apps, schema_editor):
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index)}")

    def backwards(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for table, column, index in names(apps, schema_editor):
            schema_editor.execute(
                f"CREATE INDEX {schema_editor.quote_name(index)} ON {table} ({column})"
            )

    return migrations.RunPython(forwards, backwards, elidable=False)
