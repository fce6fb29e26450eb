"""Channel clients authenticate with `X-Api-Key`; the key, not a person, is the principal."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from apps.chat.models import ChannelKey

HEADER = "HTTP_X_API_KEY"
# Recording every use would turn each chat turn into two writes; a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)


class ChannelClient:
    """The request.user of a channel key: authenticated, but never staff."""

    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, key: ChannelKey):
        self.key = key

    def __str__(self) -> str:
        return f"channel:{self.key.name}"


class ChannelKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[ChannelClient, ChannelKey] | None:
        raw = request.META.get(HEADER, "")
        if not raw:
            raise exceptions.NotAuthenticated(_("X-Api-Key 헤더가 필요합니다."))
        key = ChannelKey.lookup(raw)
        if key is None:
            raise exceptions.AuthenticationFailed(_("유효하지 않거나 폐기된 API 키입니다."))
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
            # The key object may be the briefly cached one: noting the time on it keeps this
            # write to once a minute per process instead of once per request.
            key.last_used_at = now
            ChannelKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return ChannelClient(key), key

    def authenticate_header(self, request: Request) -> str:
        return "X-Api-Key"


class ChannelKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.chat.api.authentication.ChannelKeyAuthentication"
    name = "ChannelKey"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "X-Api-Key"}
