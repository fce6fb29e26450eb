"""Schedules for alerts and the monthly audit report, and the roles' access to alert admin.

Schedules are created once per task name (an edited schedule is left alone), as in
integrations 0002_periodic_tasks. Supervisors manage rules and read the log; the log is
written by the alert task only, so nobody gets "add" or "change" on it.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
GRANTS = {
    "supervisor": {"alertrule": ALL, "alertlog": ("view",)},
    "admin": {"alertrule": ALL, "alertlog": ("view", "delete")},
}


def create_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    if not PeriodicTask.objects.filter(task="monitoring.alerts_evaluate").exists():
        every_minute = IntervalSchedule.objects.get_or_create(every=1, period="minutes")[0]
        PeriodicTask.objects.create(
            name="알림 규칙 평가", task="monitoring.alerts_evaluate", interval=every_minute,
            queue="realtime", expire_seconds=55, enabled=True,
            description="every minute; dropped if not started within 55 s",
        )
    if not PeriodicTask.objects.filter(task="core.audit_monthly_report").exists():
        monthly = CrontabSchedule.objects.get_or_create(
            minute="0", hour="6", day_of_month="1", day_of_week="*", month_of_year="*",
            timezone="Asia/Seoul",
        )[0]
        PeriodicTask.objects.create(
            name="개인정보 접근 월간 보고", task="core.audit_monthly_report", crontab=monthly,
            queue="reports", enabled=True,
            description="1st of each month 06:00 KST — https://crontab.guru/#0_6_1_*_*",
        )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task__in=["monitoring.alerts_evaluate", "core.audit_monthly_report"]
    ).delete()


def grant(apps, schema_editor):
    config = apps.get_app_config("monitoring")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, models in GRANTS.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        for model, actions in models.items():
            group.permissions.add(*Permission.objects.filter(
                content_type__app_label="monitoring", content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions],
            ))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=list(GRANTS)):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="monitoring"))


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0001_initial"),
        ("core", "0002_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(create_schedules, remove_schedules),
        migrations.RunPython(grant, revoke),
    ]
