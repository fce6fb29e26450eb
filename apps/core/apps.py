from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = _("공통")

    def ready(self) -> None:
        from django.contrib import admin

        from apps.core import checks  # noqa: F401  (registers system checks)
        from apps.core.admin_mixins import harden_admin_site

        # INSTALLED_APPS lists this app after django.contrib.admin, whose ready() registers
        # every admin (autodiscover): all of them are there to wrap.
        harden_admin_site(admin.site)
