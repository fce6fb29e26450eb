"""ApiGuardMiddleware: oversized API bodies are refused before parsing, in the client's language."""

from __future__ import annotations

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db

URL = "/api/chatbot/chat"
BODY = b'{"message": "' + "가".encode() * 25000 + b'"}'


@pytest.mark.parametrize(
    ("leftover", "accept", "expected"),
    [
        ("en", "ko", "요청 본문은 64KB 이하여야 합니다."),
        ("ko", "en", "The request body must be 64 KB or less."),
    ],
)
def test_a_body_over_64kb_is_refused_in_the_clients_language(client, leftover, accept, expected):
    translation.activate(leftover)  # what the thread's previous request left active
    try:
        response = client.post(
            URL, BODY, content_type="application/json", headers={"Accept-Language": accept}
        )
    finally:
        translation.deactivate()

    assert response.status_code == 413
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("payload_too_large", expected)
