import django.db.models.deletion
from django.db import migrations, models

from apps.core.migration_ops import drop_foreign_key_indexes


class Migration(migrations.Migration):
    """Foreign keys that a composite index leads with lose their own index: the
    composite serves them, and the lone index costs writes and misleads cached plans
    (tests/core/test_schema_indexes.py)."""

    dependencies = [
        ("integrations", "0006_connect_voice_kind"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                drop_foreign_key_indexes(("integrations.webhookdelivery", "webhook"))
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="webhookdelivery",
                    name="webhook",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="integrations.webhook",
                        verbose_name="웹훅",
                    ),
                ),
            ],
        ),
    ]
