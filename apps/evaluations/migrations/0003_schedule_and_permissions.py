"""The weekly sampling schedule (django-celery-beat, editable in admin) and role permissions for
the QA models added in 0002 (core 0002_roles only knew the models of 0001).

Idempotent: an existing schedule for the task, edited or not, is left alone.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TASK = "evaluations.sample_weekly"
ALL = ("add", "change", "delete", "view")
NEW_MODELS = ("samplingrule", "calibrationsession", "evaluationassignment", "callrecording",
              "bannedphrase", "mandatorynotice")
GRANTS = {
    "supervisor": {model: ALL for model in NEW_MODELS},
    "admin": {model: ALL for model in NEW_MODELS},
    # Evaluators read their work lists and the hint lists; supervisors manage them.
    "qa_evaluator": {"evaluationassignment": ("view", "change"), "calibrationsession": ("view",),
                     "bannedphrase": ("view",), "mandatorynotice": ("view",)},
}


def create_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(task=TASK).exists():
        return
    crontab = apps.get_model("django_celery_beat", "CrontabSchedule").objects.get_or_create(
        minute="0", hour="6", day_of_week="1", day_of_month="*", month_of_year="*",
        timezone="Asia/Seoul",
    )[0]
    PeriodicTask.objects.create(
        name="QA 주간 표본 추출", task=TASK, crontab=crontab, queue="reports", enabled=True,
        description="Mondays 06:00 KST, samples the previous week — https://crontab.guru/#0_6_*_*_1",
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


def grant(apps, schema_editor):
    config = apps.get_app_config("evaluations")
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
                content_type__app_label="evaluations", content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions],
            ))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=list(GRANTS)):
        group.permissions.remove(*Permission.objects.filter(
            content_type__app_label="evaluations", content_type__model__in=NEW_MODELS))


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0002_qa_workflow"),
        ("core", "0002_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(create_schedule, remove_schedule),
        migrations.RunPython(grant, revoke),
    ]
