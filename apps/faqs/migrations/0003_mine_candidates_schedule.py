"""Weekly FAQ-candidate mining in django-celery-beat, and the roles' access to candidates.

Created once per task name (an edited schedule is left alone). Candidates are written by the
task only: supervisors and admins view, act on (change) and delete them, nobody adds.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TASK = "faqs.mine_candidates"
ACTIONS = ("view", "change", "delete")


def create_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(task=TASK).exists():
        return
    weekly = apps.get_model("django_celery_beat", "CrontabSchedule").objects.get_or_create(
        minute="0", hour="5", day_of_week="1", day_of_month="*", month_of_year="*",
        timezone="Asia/Seoul",
    )[0]
    PeriodicTask.objects.create(
        name="FAQ 후보 추출", task=TASK, crontab=weekly, queue="reports", enabled=True,
        description="Mondays 05:00 KST — https://crontab.guru/#0_5_*_*_1",
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


def grant(apps, schema_editor):
    config = apps.get_app_config("faqs")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(
        content_type__app_label="faqs", content_type__model="faqcandidate",
        codename__in=[f"{action}_faqcandidate" for action in ACTIONS],
    )
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["supervisor", "admin"]):
        group.permissions.add(*perms)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(
        content_type__app_label="faqs", content_type__model="faqcandidate"
    )
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["supervisor", "admin"]):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("faqs", "0002_faq_candidate"),
        ("core", "0002_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(create_schedule, remove_schedule),
        migrations.RunPython(grant, revoke),
    ]
