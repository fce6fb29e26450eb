"""Staff API: the live dashboard (supervisor role)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.chat.api.serializers import errors
from apps.core.permissions import IsSupervisor
from apps.reports.live import dashboard


class KpiSerializer(serializers.Serializer):
    conversations = serializers.IntegerField()
    containment = serializers.FloatField(allow_null=True)
    escalation_rate = serializers.FloatField(allow_null=True)
    asa_seconds = serializers.FloatField(allow_null=True)
    service_level = serializers.FloatField(allow_null=True)
    abandonment = serializers.FloatField(allow_null=True)
    frt_seconds = serializers.FloatField(allow_null=True)
    aht_seconds = serializers.FloatField(allow_null=True)
    csat_mean = serializers.FloatField(allow_null=True)
    csat_top2 = serializers.FloatField(allow_null=True)
    fcr = serializers.FloatField(allow_null=True)
    qa_score = serializers.FloatField(allow_null=True)


class QueueSerializer(serializers.Serializer):
    queue = serializers.CharField()
    name = serializers.CharField()
    contacts_in_queue = serializers.IntegerField()
    oldest_contact_age = serializers.IntegerField()
    active_chats = serializers.IntegerField()
    sla_at_risk = serializers.IntegerField()
    sla_seconds = serializers.IntegerField()


class AgentRowSerializer(serializers.Serializer):
    pk = serializers.IntegerField()
    display_name = serializers.CharField()
    state = serializers.CharField()
    capacity = serializers.IntegerField()
    active = serializers.IntegerField()


class AgentsSerializer(serializers.Serializer):
    by_state = serializers.DictField(child=serializers.IntegerField())
    agents = AgentRowSerializer(many=True)


class DashboardApi(APIView):
    permission_classes = [IsSupervisor]

    class OutputSerializer(serializers.Serializer):
        generated_at = serializers.DateTimeField()
        today = KpiSerializer()
        last_hour = KpiSerializer()
        queues = QueueSerializer(many=True)
        agents = AgentsSerializer()

    @extend_schema(operation_id="dashboard", responses={200: OutputSerializer, **errors(401, 403)})
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(dashboard()).data)
