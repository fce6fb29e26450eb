"""Beat entries for the KPI roll-ups (reports.rollup_kpis), editable in admin; role permissions.

Hourly at :05 rolls up yesterday and any missing day of the last ROLLUP_HORIZON_DAYS; nightly at
03:10 recomputes every day of that horizon that may still change (FCR looks 7 days past a
conversation's close). Idempotent by name: an edited schedule is left alone.
"""

import json

from django.contrib.auth.management import create_permissions
from django.db import migrations

# (name, minute, hour, kwargs, description)
SCHEDULES = [
    ("KPI 롤업(매시)", "5", "*", {}, "hourly at :05 — yesterday + missing days"),
    ("KPI 롤업 재계산(야간)", "10", "3", {"refresh": True},
     "daily 03:10 KST — recompute the days FCR/CSAT can still change"),
]
TASK = "reports.rollup_kpis"


def create(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    for name, minute, hour, kwargs, description in SCHEDULES:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        crontab = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
            timezone="Asia/Seoul",
        )[0]
        PeriodicTask.objects.create(
            name=name, task=TASK, crontab=crontab, kwargs=json.dumps(kwargs), queue="reports",
            description=description, enabled=True,
        )


# Roles with every reports permission (core 0002_roles grants ("reports", "*")): the roll-up
# models were added after those grants were made.
ROLES = ("supervisor", "admin")
MODELS = ("kpirollupday", "kpidaily", "occupancydaily")


def grant(apps, schema_editor):
    reports = apps.get_app_config("reports")
    reports.models_module = True  # permissions are normally created after all migrations
    create_permissions(reports, apps=apps, verbosity=0)
    reports.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = list(
        Permission.objects.filter(content_type__app_label="reports", content_type__model__in=MODELS)
    )
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.add(*perms)


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[row[0] for row in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_kpi_rollups"),
        ("core", "0002_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(create, remove),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
