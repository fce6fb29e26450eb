from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ReportsConfig(AppConfig):
    name = "apps.reports"
    label = "reports"
    # Context: the app heading is plural in English, the model/field label is not.
    verbose_name = pgettext_lazy("app name", "리포트")
