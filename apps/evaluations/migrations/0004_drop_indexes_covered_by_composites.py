import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from apps.core.migration_ops import drop_foreign_key_indexes


class Migration(migrations.Migration):
    """Foreign keys that a composite index leads with lose their own index: the
    composite serves them, and the lone index costs writes and misleads cached plans
    (tests/core/test_schema_indexes.py)."""

    dependencies = [
        ("agents", "0003_drop_indexes_covered_by_composites"),
        ("chat", "0006_drop_indexes_covered_by_composites"),
        ("evaluations", "0003_schedule_and_permissions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                drop_foreign_key_indexes(
                    ("evaluations.evaluation", "agent"),
                    ("evaluations.evaluation", "conversation"),
                    ("evaluations.evaluationanswer", "evaluation"),
                    ("evaluations.evaluationassignment", "evaluator"),
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="evaluation",
                    name="agent",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="evaluations",
                        to="agents.agent",
                        verbose_name="상담원",
                    ),
                ),
                migrations.AlterField(
                    model_name="evaluation",
                    name="conversation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="evaluations",
                        to="chat.conversation",
                        verbose_name="대화",
                    ),
                ),
                migrations.AlterField(
                    model_name="evaluationanswer",
                    name="evaluation",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="evaluations.evaluation",
                        verbose_name="평가",
                    ),
                ),
                migrations.AlterField(
                    model_name="evaluationassignment",
                    name="evaluator",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="evaluation_assignments",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="평가자",
                    ),
                ),
            ],
        ),
    ]
