import django.db.models.deletion
from django.db import migrations, models

from apps.core.migration_ops import drop_foreign_key_indexes


class Migration(migrations.Migration):
    """Foreign keys that a composite index leads with lose their own index: the
    composite serves them, and the lone index costs writes and misleads cached plans
    (tests/core/test_schema_indexes.py)."""

    dependencies = [
        ("scenarios", "0002_alter_scenariostep_params"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                drop_foreign_key_indexes(
                    ("scenarios.scenarioslot", "scenario"),
                    ("scenarios.scenarioutterance", "scenario"),
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="scenarioslot",
                    name="scenario",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="slots",
                        to="scenarios.scenario",
                        verbose_name="시나리오",
                    ),
                ),
                migrations.AlterField(
                    model_name="scenarioutterance",
                    name="scenario",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="utterances",
                        to="scenarios.scenario",
                        verbose_name="시나리오",
                    ),
                ),
            ],
        ),
    ]
