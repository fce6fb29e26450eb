"""Roles as groups with the model permissions that fit them (issue: foundation, admin roles).

Permissions are normally created after all migrations (post_migrate); they are created here first
so the groups can be filled on a fresh database.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")

# role -> {(app_label, model or "*"): actions}
ROLE_PERMISSIONS = {
    "supervisor": {
        ("agents", "*"): ALL,
        ("faqs", "*"): ALL,
        ("scenarios", "*"): ALL,
        ("customers", "customer"): ("view", "change"),
        ("chat", "conversation"): ("view",),
        ("chat", "message"): ("view",),
        ("chat", "channelkey"): ("add", "change", "view"),
        ("evaluations", "*"): ALL,
        ("reports", "*"): ALL,
        ("django_celery_beat", "periodictask"): ALL,
        ("django_celery_beat", "crontabschedule"): ALL,
        ("django_celery_beat", "intervalschedule"): ALL,
    },
    "qa_evaluator": {
        ("evaluations", "evaluation"): ("add", "change", "view"),
        ("evaluations", "evaluationanswer"): ("add", "change", "view"),
        ("evaluations", "evaluationform"): ("view",),
        ("evaluations", "formsection"): ("view",),
        ("evaluations", "formquestion"): ("view",),
        ("chat", "conversation"): ("view",),
        ("chat", "message"): ("view",),
        ("agents", "agent"): ("view",),
    },
    # Agents work in /desk/ and have no admin access.
    "agent": {},
    "admin": {
        ("agents", "*"): ALL,
        ("faqs", "*"): ALL,
        ("scenarios", "*"): ALL,
        ("customers", "*"): ALL,
        ("chat", "*"): ALL,
        ("evaluations", "*"): ALL,
        ("reports", "*"): ALL,
        ("core", "*"): ALL,
        ("auth", "*"): ALL,
        ("django_celery_beat", "*"): ALL,
        ("django_celery_results", "*"): ("view", "delete"),
    },
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for (app_label, model), actions in grants.items():
            qs = Permission.objects.filter(content_type__app_label=app_label)
            if model != "*":
                qs = qs.filter(content_type__model=model)
            perms += [p for p in qs if p.codename.split("_", 1)[0] in actions]
        if role in ("supervisor", "admin"):
            perms += list(Permission.objects.filter(codename="publish_faq"))
        group.permissions.set(perms)


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLE_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("agents", "0001_initial"),
        ("chat", "0001_initial"),
        ("customers", "0001_initial"),
        ("evaluations", "0001_initial"),
        ("faqs", "0001_initial"),
        ("reports", "0001_initial"),
        ("scenarios", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("django_celery_results", "0014_alter_taskresult_status"),
    ]

    operations = [migrations.RunPython(create_roles, drop_roles)]
