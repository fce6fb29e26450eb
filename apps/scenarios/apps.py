from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ScenariosConfig(AppConfig):
    name = "apps.scenarios"
    label = "scenarios"
    # Context: the app heading is plural in English, the model/field label is not.
    verbose_name = pgettext_lazy("app name", "시나리오")
