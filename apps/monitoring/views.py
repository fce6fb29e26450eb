from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.monitoring.health import DOWN, run_checks


class HealthApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=["ok", "degraded", "down"])
        checks = serializers.DictField(child=serializers.CharField())

    @extend_schema(responses={200: OutputSerializer, 503: OutputSerializer})
    def get(self, request: Request) -> Response:
        status, checks = run_checks()
        code = 503 if status == DOWN else 200
        return Response(self.OutputSerializer({"status": status, "checks": checks}).data, status=code)
