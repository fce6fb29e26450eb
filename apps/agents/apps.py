from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class AgentsConfig(AppConfig):
    name = "apps.agents"
    label = "agents"
    # Context: the app heading is plural in English, the model/field label is not.
    verbose_name = pgettext_lazy("app name", "상담원")
