from __future__ import annotations

import json
from typing import Any

from django.test import Client


class ChannelClient:
    """Django's test client speaking JSON with an X-Api-Key header."""

    def __init__(self, raw_key: str):
        self.client = Client()
        self.key = raw_key

    def post(
        self,
        path: str,
        data: Any,
        key: str | None = None,
        raw: bytes | None = None,
        content_type: str = "application/json",
    ):
        body = raw if raw is not None else json.dumps(data, ensure_ascii=False)
        return self.client.post(
            path,
            body,
            content_type=content_type,
            HTTP_X_API_KEY=key if key is not None else self.key,
        )

    def get(self, path: str, params: dict[str, Any] | None = None, key: str | None = None):
        return self.client.get(
            path, params or {}, HTTP_X_API_KEY=key if key is not None else self.key
        )

    def chat(self, message: str, user_id: str = "u-1", **extra: Any):
        return self.post("/api/chatbot/chat", {"message": message, "user_id": user_id, **extra})
