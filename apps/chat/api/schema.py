"""OpenAPI links: how a client goes from a chat answer to the session's other operations.

drf-spectacular has no way to declare links on a response, so a post-processing hook adds them.
They document the flow (the session_id from POST /chat opens history, escalate, feedback and
CSAT, under the same user_id) and let schemathesis' stateful phase follow it, so the session
operations are fuzzed against real sessions and not only against random, unknown ids.
"""

from __future__ import annotations

from typing import Any

_SESSION = "$response.body#/session_id"
_USER = "$request.body#/user_id"

_LINKS: dict[str, dict[str, Any]] = {
    "ContinueChat": {
        "operationId": "chat_send",
        "requestBody": {"session_id": _SESSION, "user_id": _USER},
        "description": "다음 메시지를 같은 세션으로 보냅니다.",
    },
    "History": {
        "operationId": "chat_history",
        "parameters": {"path.session_id": _SESSION, "query.user_id": _USER},
        "description": "이 세션의 대화 기록.",
    },
    "Escalate": {
        "operationId": "chat_escalate",
        "requestBody": {"session_id": _SESSION, "user_id": _USER},
        "description": "이 세션을 상담원에게 연결합니다.",
    },
    "Feedback": {
        "operationId": "chat_feedback",
        "requestBody": {
            "session_id": _SESSION,
            "user_id": _USER,
            "seq": "$response.body#/reply_seq",
        },
        "description": "봇 답변(reply_seq)에 도움 여부를 남깁니다.",
    },
    "Csat": {
        "operationId": "chat_csat",
        "requestBody": {"session_id": _SESSION, "user_id": _USER},
        "description": "상담이 끝난 세션의 만족도.",
    },
}


def add_session_links(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOKS entry: links on POST /chat's 200 answer."""
    for path_item in result.get("paths", {}).values():
        operation = path_item.get("post")
        if operation and operation.get("operationId") == "chat_send":
            operation["responses"]["200"]["links"] = _LINKS
    return result
