from django.apps import AppConfig


class NluConfig(AppConfig):
    name = "apps.nlu"
    label = "nlu"
    verbose_name = "NLU"

    def ready(self) -> None:
        # The Lex circuit breaker replaces the built-in "nlu" health check.
        from apps.nlu.backends import register_health

        register_health()
