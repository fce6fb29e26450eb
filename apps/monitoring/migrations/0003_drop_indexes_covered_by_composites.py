import django.db.models.deletion
from django.db import migrations, models

from apps.core.migration_ops import drop_foreign_key_indexes


class Migration(migrations.Migration):
    """Foreign keys that a composite index leads with lose their own index: the
    composite serves them, and the lone index costs writes and misleads cached plans
    (tests/core/test_schema_indexes.py)."""

    dependencies = [
        ("monitoring", "0002_periodic_tasks_and_roles"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_foreign_key_indexes(("monitoring.alertlog", "rule"))],
            state_operations=[
                migrations.AlterField(
                    model_name="alertlog",
                    name="rule",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="logs",
                        to="monitoring.alertrule",
                        verbose_name="규칙",
                    ),
                ),
            ],
        ),
    ]
