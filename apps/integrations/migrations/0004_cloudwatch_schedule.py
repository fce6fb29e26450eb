"""Schedule the CloudWatch publisher every minute (django-celery-beat, editable in admin).

The row always exists, enabled: the task itself returns at once unless AICC_CLOUDWATCH_ENABLED,
so turning CloudWatch on is one environment variable and no admin click. Idempotent like 0002.
"""

from django.db import migrations

TASK = "integrations.cloudwatch_publish"


def create(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    if PeriodicTask.objects.filter(task=TASK).exists():
        return
    every_minute = IntervalSchedule.objects.get_or_create(every=1, period="minutes")[0]
    PeriodicTask.objects.create(
        name="CloudWatch 지표 게시", task=TASK, queue="realtime", expire_seconds=55,
        description="every minute; no-op unless AICC_CLOUDWATCH_ENABLED",
        enabled=True, interval=every_minute,
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0003_role_permissions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
