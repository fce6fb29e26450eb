from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register(deploy=True)
def local_backends_check(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Deploying on the offline twins must be a decision, never an accident (STYLE §2)."""
    if settings.AICC_AWS_BACKEND == "aws" or settings.AICC_LOCAL_BACKENDS_OK:
        return []
    return [
        Warning(
            "AICC_AWS_BACKEND is 'local': Connect and Lex are offline twins.",
            hint="Set AICC_AWS_BACKEND=aws with CONNECT_INSTANCE_ID and LEX_BOT_ID, "
            "or AICC_LOCAL_BACKENDS_OK=true for a deliberate offline deployment.",
            id="aicc.W001",
        )
    ]


# docker/.env.sample ships this prefix so a copied sample can never run as a real deployment.
PLACEHOLDER_SECRET_PREFIX = "replace-me"  # noqa: S105 - a marker we refuse, not a secret


@register(deploy=True)
def placeholder_secret_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    if not settings.SECRET_KEY.startswith(PLACEHOLDER_SECRET_PREFIX):
        return []
    return [
        Error(
            "DJANGO_SECRET_KEY is still the placeholder from docker/.env.sample.",
            hint='Set it to the output of python -c "import secrets; '
            'print(secrets.token_urlsafe(50))".',
            id="aicc.E001",
        )
    ]
