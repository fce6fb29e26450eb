"""A bench-only endpoint: the chat API's auth, validation and insert, without understanding.

bench/chat_load.py compares its throughput with POST /api/chatbot/chat to show what the NLU and
dialog cost. Mounted only when AICC_BENCH_ENDPOINTS=true (never in production).
"""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.chat.api.serializers import (
    ClientMessageIdField,
    MessageTextField,
    StrictUUIDField,
    UserIdField,
)
from apps.chat.api.views import ChannelApi
from apps.chat.models import MessageSender
from apps.chat.services import _created, _find_replay, _next_locked, _open_conversation
from apps.chat.turn_store import store_turn
from apps.core.pii import mask_pii
from apps.core.text import clean_message_text


class BenchInsertApi(ChannelApi):
    """POST /api/chatbot/chat without the bot: the same replay check, row lock and insert.

    Everything a chat turn does except understanding and answering (what the bench's ratio
    prices): with the idempotency check and the conversation lock left out, the ratio would
    also charge the bot for work any message insert needs.
    """

    class InputSerializer(serializers.Serializer):
        message = MessageTextField()
        user_id = UserIdField()
        session_id = StrictUUIDField(required=False, allow_null=True)
        client_message_id = ClientMessageIdField(required=False, allow_null=True)

    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user_id, client_message_id = values["user_id"], values.get("client_message_id")
        session_id = str(values["session_id"]) if values.get("session_id") else None
        if (earlier := _find_replay(self.channel_key, user_id, client_message_id)) is not None:
            message = earlier
        else:
            with transaction.atomic():
                conversation = _open_conversation(
                    self.channel_key, user_id, session_id, None, client_message_id
                )
                message = _next_locked(
                    conversation,
                    sender=MessageSender.CUSTOMER,
                    text=mask_pii(clean_message_text(values["message"])),
                    client_message_id=client_message_id,
                )
                _created(message)
                store_turn(conversation, message, None, ["last_seq"])
        return Response({"session_id": message.conversation.session_id, "seq": message.seq})
