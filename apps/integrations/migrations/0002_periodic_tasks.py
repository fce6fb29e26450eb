"""Create the integration schedules in django-celery-beat, editable by supervisors in admin.

Idempotent by task name: re-running (or a supervisor having changed a schedule) never creates a
duplicate, and an edited schedule is left alone.
"""

from django.db import migrations

# (name, task, kind, schedule, queue, expire_seconds, description)
SCHEDULES = [
    ("Connect 상담원·큐 동기화", "integrations.connect_sync_directory", "interval", (10, "minutes"),
     "sync", None, "every 10 minutes"),
    ("Connect 실시간 지표", "integrations.connect_sync_live_metrics", "interval", (15, "seconds"),
     "realtime", 14, "every 15 s; dropped if not started within 14 s"),
    ("Connect 채팅 상태 반영", "integrations.connect_mirror_contacts", "interval", (15, "seconds"),
     "realtime", 14, "every 15 s"),
    ("Connect 과거 지표", "integrations.connect_sync_historical", "crontab", "5",
     "sync", None, "hourly at :05 — https://crontab.guru/#5_*_*_*_*"),
    ("Lex 인텐트 반영 확인", "integrations.lex_push_if_changed", "interval", (1, "minutes"),
     "sync", 55, "every minute; pushes after a quiet minute"),
    ("보존기간 경과 데이터 파기", "integrations.retention_purge", "crontab", "30 3",
     "reports", None, "daily 03:30 KST — https://crontab.guru/#30_3_*_*_*"),
    ("웹훅 재전송", "integrations.webhook_requeue_stale", "interval", (5, "minutes"),
     "default", None, "every 5 minutes"),
]


def _schedule(apps, kind, spec):
    if kind == "interval":
        every, period = spec
        model = apps.get_model("django_celery_beat", "IntervalSchedule")
        return {"interval": model.objects.get_or_create(every=every, period=period)[0]}
    minute, hour = (spec.split() + ["*"])[:2]
    model = apps.get_model("django_celery_beat", "CrontabSchedule")
    crontab = model.objects.get_or_create(
        minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Asia/Seoul",
    )[0]
    return {"crontab": crontab}


def create(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, kind, spec, queue, expire, description in SCHEDULES:
        if PeriodicTask.objects.filter(task=task).exists():
            continue
        PeriodicTask.objects.create(
            name=name, task=task, queue=queue, expire_seconds=expire, description=description,
            enabled=True, **_schedule(apps, kind, spec),
        )


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task__in=[row[1] for row in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
