import django.db.models.deletion
from django.db import migrations, models

from apps.core.migration_ops import drop_foreign_key_indexes


class Migration(migrations.Migration):
    """Foreign keys that a composite index leads with lose their own index: the
    composite serves them, and the lone index costs writes and misleads cached plans
    (tests/core/test_schema_indexes.py)."""

    dependencies = [
        ("agents", "0002_alter_agent_skills_alter_queue_skills"),
        ("chat", "0005_unique_connect_contact"),
        ("customers", "0002_alter_customer_tags"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                drop_foreign_key_indexes(
                    ("chat.conversation", "agent"),
                    ("chat.conversation", "channel_key"),
                    ("chat.conversation", "customer"),
                    ("chat.message", "conversation"),
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="conversation",
                    name="agent",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="conversations",
                        to="agents.agent",
                        verbose_name="상담원",
                    ),
                ),
                migrations.AlterField(
                    model_name="conversation",
                    name="channel_key",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="conversations",
                        to="chat.channelkey",
                        verbose_name="채널 키",
                    ),
                ),
                migrations.AlterField(
                    model_name="conversation",
                    name="customer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="conversations",
                        to="customers.customer",
                        verbose_name="고객",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="conversation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="chat.conversation",
                        verbose_name="대화",
                    ),
                ),
            ],
        ),
    ]
