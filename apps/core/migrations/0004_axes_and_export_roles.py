"""Give the roles the models that arrived after 0002_roles: login lockouts (django-axes) to the
admin role, so a locked-out colleague can be unlocked from admin; conversation exports and the
newer app models to the roles that 0002 gave their app to."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "admin": [("axes", ("view", "delete")), ("reports", ("add", "change", "delete", "view"))],
    "supervisor": [("reports", ("add", "change", "delete", "view"))],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, actions in grants:
            perms = Permission.objects.filter(content_type__app_label=app_label)
            group.permissions.add(*[p for p in perms if p.codename.split("_", 1)[0] in actions])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_audit_report_view"),
        ("axes", "0010_accessattemptexpiration"),
        ("reports", "0002_exports"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
