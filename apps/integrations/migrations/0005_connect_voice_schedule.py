"""Schedule the Connect voice contact sync hourly (django-celery-beat, editable in admin).

At :20 past each hour, away from the historical metrics at :05, so the two do not share the
2 req/s Connect budget. The task itself is a no-op on the local twin unless CONNECT_SYNC_LOCAL.
Idempotent like 0002: an existing row (perhaps edited by a supervisor) is left alone.
"""

from django.db import migrations

TASK = "integrations.connect_sync_voice_contacts"


def create(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    if PeriodicTask.objects.filter(task=TASK).exists():
        return
    hourly = CrontabSchedule.objects.get_or_create(
        minute="20", hour="*", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Asia/Seoul",
    )[0]
    PeriodicTask.objects.create(
        name="Connect 음성 상담·녹취 가져오기", task=TASK, queue="sync", expire_seconds=None,
        description="hourly at :20 — https://crontab.guru/#20_*_*_*_*",
        enabled=True, crontab=hourly,
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0004_cloudwatch_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
