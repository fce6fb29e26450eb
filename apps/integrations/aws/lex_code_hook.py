"""AWS Lambda code hook for the Lex V2 bot: answer FAQ and scenario intents from DynamoDB.

Deployed on its own (`make lambda-zip` → var/lambda.zip, handler `lambda_handler.handler`,
Python 3.11 runtime, which ships boto3): it imports only the standard library and boto3, never
Django, and reads the table the portal mirrors published content into
(apps/integrations/services/content_mirror.py), so it needs no path into the portal's database.

Environment: AICC_DYNAMODB_TABLE (required), AICC_FALLBACK_MESSAGE (optional).
IAM: dynamodb:GetItem on the table, plus the basic Lambda logging role.

Behaviour per event (Lex V2 input: sessionState.intent, invocationSource, bot.localeId, ...):
1. DialogCodeHook with required slots still empty → Delegate: Lex keeps eliciting them.
2. Otherwise look the intent name (= intent code) up; a live item answers with its text, the
   {slot} fields of a scenario reply filled from the slots → Close, intent Fulfilled.
3. No item, an item outside its validity window, or DynamoDB failing → Close with the fallback
   message, intent Failed: the customer always gets an answer within the turn.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)

DEFAULT_FALLBACK = (
    "죄송합니다. 지금은 정확한 답변을 찾지 못했습니다. 상담원 연결을 원하시면 '상담원'이라고 "
    "말씀해 주세요."
)
# Lex waits at most a few seconds for a code hook; a slow table must not use all of it.
_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1})
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@functools.lru_cache(maxsize=1)
def _dynamodb() -> Any:
    # Created once per Lambda container and reused across invocations.
    return boto3.client("dynamodb", config=_CONFIG)


def _fallback_message() -> str:
    return os.environ.get("AICC_FALLBACK_MESSAGE") or DEFAULT_FALLBACK


def _slot_values(intent: dict[str, Any]) -> dict[str, str]:
    values = {}
    for name, slot in (intent.get("slots") or {}).items():
        value = (slot or {}).get("value") or {}
        text = value.get("interpretedValue") or value.get("originalValue")
        if text:
            values[name] = str(text)
    return values


def render(template: str, slots: dict[str, str]) -> str:
    """Fill plain {name} fields from slots; unknown fields render empty, nothing is evaluated."""
    return _FIELD.sub(lambda m: slots.get(m.group(1), ""), template)


def _is_live(item: dict[str, Any], now: datetime) -> bool:
    start, end = item.get("valid_from"), item.get("valid_until")
    if start and datetime.fromisoformat(start) > now:
        return False
    return not (end and datetime.fromisoformat(end) <= now)


def lookup(intent_code: str, now: datetime | None = None) -> dict[str, Any] | None:
    """The live mirror item for an intent code as plain strings, or None."""
    table = os.environ.get("AICC_DYNAMODB_TABLE", "")
    if not table or not intent_code:
        return None
    found = _dynamodb().get_item(TableName=table, Key={"intent_code": {"S": intent_code}})
    raw = found.get("Item")
    if not raw:
        return None
    item = {key: next(iter(value.values())) for key, value in raw.items()}
    return item if _is_live(item, now or datetime.now(UTC)) else None


def _close(event: dict[str, Any], state: str, message: str) -> dict[str, Any]:
    session = event.get("sessionState") or {}
    intent = dict(session.get("intent") or {})
    intent["state"] = state
    return {
        "sessionState": {
            "sessionAttributes": session.get("sessionAttributes") or {},
            "dialogAction": {"type": "Close"},
            "intent": intent,
        },
        "messages": [{"contentType": "PlainText", "content": message}],
    }


def _delegate(event: dict[str, Any]) -> dict[str, Any]:
    session = event.get("sessionState") or {}
    return {
        "sessionState": {
            "sessionAttributes": session.get("sessionAttributes") or {},
            "dialogAction": {"type": "Delegate"},
            "intent": session.get("intent") or {},
        }
    }


def _needs_slots(intent: dict[str, Any]) -> bool:
    slots = intent.get("slots") or {}
    return any(value is None for value in slots.values())


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    intent = (event.get("sessionState") or {}).get("intent") or {}
    name = str(intent.get("name") or "")
    if event.get("invocationSource") == "DialogCodeHook" and _needs_slots(intent):
        return _delegate(event)
    try:
        item = lookup(name)
    except (BotoCoreError, ClientError) as exc:
        # Logged without the customer's words (inputTranscript may hold personal data).
        logger.warning("content lookup failed for %s: %s", name, type(exc).__name__)
        item = None
    if item is None:
        logger.info(
            "no content for intent %s (locale %s)", name, (event.get("bot") or {}).get("localeId")
        )
        return _close(event, "Failed", _fallback_message())
    return _close(event, "Fulfilled", render(item["text"], _slot_values(intent)))
