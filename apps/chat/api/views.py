"""Chat API for channel clients (DESIGN §4): one APIView per operation."""

from __future__ import annotations

from typing import cast

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.chat import services
from apps.chat.api.authentication import ChannelKeyAuthentication
from apps.chat.api.serializers import (
    CHANNELS,
    NEXT_ACTIONS,
    ClientMessageIdField,
    EscalationSerializer,
    MessageTextField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictUUIDField,
    UserIdField,
    errors,
    no_control_characters,
)
from apps.chat.api.throttling import ChannelThrottle
from apps.chat.models import ChannelKey, Conversation

COMMON_ERRORS = (400, 401, 404, 413, 415, 429)


class ChannelApi(APIView):
    authentication_classes = [ChannelKeyAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [ChannelThrottle]

    @property
    def channel_key(self) -> ChannelKey:
        """The caller's key: ChannelKeyAuthentication puts it in request.auth."""
        return cast(ChannelKey, self.request.auth)

    def session_input(self, request: Request) -> tuple[serializers.Serializer, Conversation]:
        """Validate the body of a session operation and load the caller's conversation."""
        data = self.InputSerializer(data=request.data)  # type: ignore[attr-defined]
        data.is_valid(raise_exception=True)
        values = data.validated_data
        return data, self.conversation(values["session_id"], values["user_id"])

    def conversation(self, session_id: object, user_id: str) -> Conversation:
        """The caller's conversation; any other key or user gets 404, never a hint."""
        return get_object_or_404(
            Conversation, session_id=session_id, channel_key=self.channel_key, user_id=user_id
        )


class ChatMessageApi(ChannelApi):
    class InputSerializer(serializers.Serializer):
        message = MessageTextField()
        user_id = UserIdField()
        session_id = StrictUUIDField(required=False, allow_null=True)
        channel = serializers.ChoiceField(choices=CHANNELS, required=False)
        client_message_id = ClientMessageIdField(required=False, allow_null=True)

    class OutputSerializer(serializers.Serializer):
        session_id = serializers.UUIDField()
        message_id = serializers.IntegerField()
        seq = serializers.IntegerField()
        reply_seq = serializers.IntegerField(allow_null=True)
        response_text = serializers.CharField(allow_blank=True)
        intent = serializers.CharField(allow_blank=True)
        confidence = serializers.FloatField(allow_null=True)
        next_action = serializers.ChoiceField(choices=NEXT_ACTIONS)
        quick_replies = serializers.ListField(child=serializers.CharField())
        faq_id = serializers.IntegerField(allow_null=True)
        escalation = EscalationSerializer(allow_null=True)

    @extend_schema(
        operation_id="chat_send",
        request=InputSerializer,
        responses={200: OutputSerializer, **errors(*COMMON_ERRORS)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session_id = data.validated_data.get("session_id")
        result = services.chat_receive(
            channel_key=self.channel_key,
            user_id=data.validated_data["user_id"],
            text=data.validated_data["message"],
            session_id=str(session_id) if session_id else None,
            channel=data.validated_data.get("channel"),
            client_message_id=data.validated_data.get("client_message_id"),
        )
        reply = result.reply
        body = {
            "session_id": result.conversation.session_id,
            "message_id": result.customer_message.pk,
            "seq": result.customer_message.seq,
            "reply_seq": reply.seq if reply else None,
            "response_text": reply.text if reply else "",
            "intent": reply.intent if reply else "",
            "confidence": reply.confidence if reply else None,
            "next_action": result.next_action,
            "quick_replies": result.quick_replies,
            "faq_id": reply.faq_id if reply else None,
            "escalation": vars(result.escalation) if result.escalation else None,
        }
        # Already in the OutputSerializer's shape and types (the schema states it); running the
        # serializer over it again cost more CPU than the rest of the view.
        return Response(body)


class ChatHistoryApi(ChannelApi):
    class FilterSerializer(serializers.Serializer):
        user_id = UserIdField()
        after_seq = serializers.IntegerField(required=False, min_value=0, default=0)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)

    class MessageSerializer(serializers.Serializer):
        seq = serializers.IntegerField()
        sender = serializers.CharField()
        text = serializers.CharField()
        created_at = serializers.DateTimeField()
        next_action = serializers.CharField(allow_blank=True)
        quick_replies = serializers.SerializerMethodField()

        def get_quick_replies(self, message: object) -> list[str]:
            return list((getattr(message, "payload", None) or {}).get("quick_replies", []))

    class OutputSerializer(serializers.Serializer):
        session_id = serializers.UUIDField()
        state = serializers.CharField()
        messages = serializers.ListField(child=serializers.DictField())
        has_more = serializers.BooleanField()
        last_seq = serializers.IntegerField()

    @extend_schema(
        operation_id="chat_history",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer, **errors(400, 401, 404, 429)},
    )
    def get(self, request: Request, session_id: str) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        conversation = self.conversation(session_id, filters.validated_data["user_id"])
        limit = filters.validated_data["limit"]
        rows = list(
            conversation.messages.filter(
                is_internal=False, seq__gt=filters.validated_data["after_seq"]
            ).order_by("seq")[: limit + 1]
        )
        body = {
            "session_id": conversation.session_id,
            "state": conversation.state,
            "messages": self.MessageSerializer(rows[:limit], many=True).data,
            "has_more": len(rows) > limit,
            "last_seq": conversation.last_seq,
        }
        return Response(self.OutputSerializer(body).data)


SESSION_PARAM = OpenApiParameter("session_id", str, OpenApiParameter.PATH)


class ChatEscalateApi(ChannelApi):
    class InputSerializer(serializers.Serializer):
        session_id = StrictUUIDField()
        user_id = UserIdField()

    class OutputSerializer(serializers.Serializer):
        session_id = serializers.UUIDField()
        state = serializers.CharField()
        queue = serializers.CharField()
        position = serializers.IntegerField()
        estimated_wait_seconds = serializers.IntegerField()

    @extend_schema(
        operation_id="chat_escalate",
        request=InputSerializer,
        responses={200: OutputSerializer, **errors(*COMMON_ERRORS, 409)},
    )
    def post(self, request: Request) -> Response:
        data, conversation = self.session_input(request)
        escalation = services.chat_escalate(conversation=conversation)
        conversation.refresh_from_db()
        body = {
            "session_id": conversation.session_id,
            "state": conversation.state,
            **vars(escalation),
        }
        return Response(self.OutputSerializer(body).data)


class ChatFeedbackApi(ChannelApi):
    class InputSerializer(serializers.Serializer):
        session_id = StrictUUIDField()
        user_id = UserIdField()
        seq = StrictIntegerField(min_value=1, max_value=2**31 - 1)
        helpful = StrictBooleanField()

    class OutputSerializer(serializers.Serializer):
        seq = serializers.IntegerField()
        helpful = serializers.BooleanField()

    @extend_schema(
        operation_id="chat_feedback",
        request=InputSerializer,
        responses={200: OutputSerializer, **errors(*COMMON_ERRORS)},
    )
    def post(self, request: Request) -> Response:
        data, conversation = self.session_input(request)
        message = services.message_feedback(
            conversation=conversation,
            seq=data.validated_data["seq"],
            helpful=data.validated_data["helpful"],
        )
        return Response(self.OutputSerializer(message).data)


class ChatCsatApi(ChannelApi):
    class InputSerializer(serializers.Serializer):
        session_id = StrictUUIDField()
        user_id = UserIdField()
        score = StrictIntegerField(min_value=1, max_value=5)
        comment = StrictCharField(
            required=False,
            allow_blank=True,
            max_length=1000,
            default="",
            validators=no_control_characters,
        )

    class OutputSerializer(serializers.Serializer):
        session_id = serializers.UUIDField()
        csat_score = serializers.IntegerField()

    @extend_schema(
        operation_id="chat_csat",
        request=InputSerializer,
        responses={200: OutputSerializer, **errors(*COMMON_ERRORS, 409)},
    )
    def post(self, request: Request) -> Response:
        data, conversation = self.session_input(request)
        conversation = services.conversation_rate(
            conversation=conversation,
            score=data.validated_data["score"],
            comment=data.validated_data["comment"],
        )
        return Response(self.OutputSerializer(conversation).data)
