from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class CustomersConfig(AppConfig):
    name = "apps.customers"
    label = "customers"
    # Context: the app heading is plural in English, the model/field label is not.
    verbose_name = pgettext_lazy("app name", "고객")
