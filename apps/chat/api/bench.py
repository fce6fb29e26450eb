"""A bench-only endpoint: the chat API's auth, validation and insert, without understanding.

bench/chat_load.py compares its throughput with POST /api/chatbot/chat to show what the NLU and
dialog cost. Mounted only when AICC_BENCH_ENDPOINTS=true (never in production).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.chat.api.serializers import ClientMessageIdField, MessageTextField, UserIdField
from apps.chat.api.views import ChannelApi
from apps.chat.models import Conversation, MessageSender
from apps.chat.services import message_append


class BenchInsertApi(ChannelApi):
    class InputSerializer(serializers.Serializer):
        message = MessageTextField()
        user_id = UserIdField()
        session_id = serializers.UUIDField(required=False, allow_null=True)
        client_message_id = ClientMessageIdField(required=False, allow_null=True)

    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
        from django.db import transaction

        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic():
            session_id = data.validated_data.get("session_id")
            if session_id:
                conversation = self.conversation(session_id, data.validated_data["user_id"])
            else:
                conversation = Conversation.objects.create(
                    channel_key=request.auth, user_id=data.validated_data["user_id"]
                )
            message = message_append(
                conversation=conversation,
                sender=MessageSender.CUSTOMER,
                text=data.validated_data["message"],
                client_message_id=data.validated_data.get("client_message_id"),
            )
        return Response({"session_id": conversation.session_id, "seq": message.seq})
