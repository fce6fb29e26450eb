"""Staff API: agents (supervisor role)."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.agents.models import Agent, AgentState, Queue, Team
from apps.agents.services import agent_create
from apps.chat.api.serializers import (
    StrictCharField,
    StrictEmailField,
    StrictIntegerField,
    StrictRegexField,
    errors,
)
from apps.core.permissions import IsSupervisor


class AgentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField()
    team = serializers.CharField(source="team.name", allow_null=True, default=None)
    queues = serializers.SerializerMethodField()
    capacity = serializers.IntegerField()
    state = serializers.ChoiceField(choices=AgentState.choices)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_queues(self, agent: Agent) -> list[str]:
        return [queue.code for queue in agent.queues.all()]


class AgentsApi(APIView):
    """GET lists agents, POST creates one; one URL, so both operations live here."""

    permission_classes = [IsSupervisor]

    class InputSerializer(serializers.Serializer):
        username = StrictRegexField(r"^[A-Za-z0-9._@+\-]{3,150}$", max_length=150)
        # A pattern, not just "required": the schema then says what the server accepts (a name
        # with a visible character), and schemathesis holds the two to it.
        display_name = StrictRegexField(r"\S", max_length=100)
        email = StrictEmailField(required=False, allow_blank=True, default="")
        # Blank or null: no usable password until the agent sets one by password reset.
        password = StrictCharField(
            required=False,
            write_only=True,
            max_length=128,
            allow_null=True,
            allow_blank=True,
            default=None,
        )
        team = serializers.SlugRelatedField(
            slug_field="name", queryset=Team.objects.all(), required=False, allow_null=True
        )
        # A ListField, not many=True: DRF's ManyRelatedField iterates whatever it is given, so
        # {"queues": {}} or {"queues": {"a": 1}} would pass as a list of its keys.
        queues = serializers.ListField(
            child=serializers.SlugRelatedField(slug_field="code", queryset=Queue.objects.all()),
            required=False,
        )
        capacity = StrictIntegerField(min_value=1, max_value=20, default=3)

        def validate_password(self, value: str | None) -> str | None:
            if value:
                validate_password(value)
            return value or None

    @extend_schema(
        operation_id="agents_list",
        responses={200: AgentOutputSerializer(many=True), **errors(401, 403)},
    )
    def get(self, request: Request) -> Response:
        agents = Agent.objects.select_related("user", "team").prefetch_related("queues")
        return Response(AgentOutputSerializer(agents, many=True).data)

    @extend_schema(
        operation_id="agents_create",
        request=InputSerializer,
        responses={201: AgentOutputSerializer, **errors(400, 401, 403, 409, 415)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agent = agent_create(**data.validated_data)
        return Response(AgentOutputSerializer(agent).data, status=201)
