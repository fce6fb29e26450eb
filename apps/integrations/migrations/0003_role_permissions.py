"""Give the supervisor and admin roles (core 0002_roles) access to the integration admin.

Supervisors configure webhooks and read sync runs, metrics and delivery logs; the logs are
written by jobs only, so nobody gets "add" on them.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
LOGS = ("syncrun", "queuemetricsnapshot", "historicalmetric", "lexintent", "webhookdelivery",
        "notificationlog")
GRANTS = {
    "supervisor": {**{model: ("view",) for model in LOGS}, "webhook": ALL},
    "admin": {**{model: ("view", "delete") for model in LOGS}, "webhook": ALL},
}


def grant(apps, schema_editor):
    config = apps.get_app_config("integrations")
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
                content_type__app_label="integrations", content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions],
            ))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=list(GRANTS)):
        group.permissions.remove(*Permission.objects.filter(
            content_type__app_label="integrations"))


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0002_periodic_tasks"),
        ("core", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
