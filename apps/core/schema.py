from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import Direction
from rest_framework.serializers import Serializer


class AutoSchema(BaseAutoSchema):
    """Names nested Input/Output serializers after their API (`ChatMessageApi.InputSerializer`
    becomes `ChatMessageInput`), so one-APIView-per-operation does not collide in components."""

    def get_serializer_name(self, serializer: Serializer, direction: Direction) -> str:
        qualname = type(serializer).__qualname__
        if "." not in qualname:
            return super().get_serializer_name(serializer, direction)
        outer, inner = qualname.rsplit(".", 1)
        return outer.removesuffix("Api") + inner.removesuffix("Serializer")
