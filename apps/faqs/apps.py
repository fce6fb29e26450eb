from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FaqsConfig(AppConfig):
    name = "apps.faqs"
    label = "faqs"
    verbose_name = _("FAQ")
