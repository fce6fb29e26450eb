"""Amazon Lex V2 runtime: understand one customer utterance (DESIGN.md §5, §8).

AWS resources: one Lex V2 bot (`settings.LEX_BOT_ID`), its alias (`settings.LEX_BOT_ALIAS_ID`)
and locale (`settings.LEX_LOCALE_ID`, "ko_KR"), in `settings.AWS_REGION`.
IAM actions: `lex:RecognizeText` on
`arn:aws:lex:<region>:<account>:bot-alias/<LEX_BOT_ID>/<LEX_BOT_ALIAS_ID>`.

Intent names are shared with the Lex model sync: FAQ intents are `FAQ_<faq pk>`, scenario
intents are the scenario's `code` (Lex-safe ASCII), and `FallbackIntent` is Lex's built-in.

`LocalLexRuntime` is the offline twin: same result shape, intents chosen by a resolver callable.
Callers must pass PII-masked text; these classes send what they are given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from apps.integrations.aws import _client
from apps.integrations.aws.errors import wrap_client_error

FALLBACK_INTENT = "FallbackIntent"
# Lex's default `nluIntentConfidenceThreshold`: below it Lex picks FallbackIntent.
LOCAL_CONFIDENCE_THRESHOLD = 0.40
# Lex returns at most five interpretations.
MAX_INTERPRETATIONS = 5

Resolver = Callable[[str], list[tuple[str, float]]]


@dataclass(frozen=True)
class LexInterpretation:
    intent_name: str
    confidence: float | None  # None for FallbackIntent: Lex sends no nluConfidence for it


@dataclass(frozen=True)
class LexResult:
    intent_name: str | None
    confidence: float | None
    intent_state: str | None
    slots: dict[str, str | None]
    messages: list[str]
    session_state: dict
    interpretations: list[LexInterpretation] = field(default_factory=list)


class LexRuntime(Protocol):
    def recognize_text(
        self, *, session_id: str, text: str, session_state: dict | None = None
    ) -> LexResult:
        """Recognise `text` (already PII-masked) in the conversation `session_id`."""
        ...


# --- AWS ---------------------------------------------------------------------------------------


def _slot_value(slot: dict | None) -> str | None:
    # Unfilled slots come back as null; list slots carry `values` instead of `value`.
    if not slot:
        return None
    value = slot.get("value")
    if value is None and slot.get("values"):
        value = slot["values"][0].get("value")
    if not value:
        return None
    return value.get("interpretedValue") or value.get("originalValue")


def _parse_slots(slots: dict | None) -> dict[str, str | None]:
    return {name: _slot_value(slot) for name, slot in (slots or {}).items()}


def _parse_interpretation(raw: dict) -> LexInterpretation:
    confidence = (raw.get("nluConfidence") or {}).get("score")
    name = (raw.get("intent") or {}).get("name") or ""
    return LexInterpretation(name, None if confidence is None else float(confidence))


def parse_response(response: dict) -> LexResult:
    """Turn a RecognizeText response into a LexResult.

    The chosen intent is `sessionState.intent` (what Lex acts on); interpretations only rank
    the alternatives. Either part may be missing, so every lookup is defensive.
    """
    raw_interpretations = response.get("interpretations") or []
    interpretations = [_parse_interpretation(i) for i in raw_interpretations]
    session_state = response.get("sessionState") or {}
    intent = session_state.get("intent") or (
        (raw_interpretations[0].get("intent") or {}) if raw_interpretations else {}
    )
    name = intent.get("name")
    confidence = next((i.confidence for i in interpretations if i.intent_name == name), None)
    messages = [m["content"] for m in response.get("messages") or [] if m.get("content")]
    return LexResult(
        intent_name=name,
        confidence=confidence,
        intent_state=intent.get("state"),
        slots=_parse_slots(intent.get("slots")),
        messages=messages,
        session_state=session_state,
        interpretations=interpretations,
    )


def _drop_nulls(value: Any) -> Any:
    # Lex returns unfilled slots as null, but botocore's client-side validation rejects null
    # structures, so echoing a session state back would fail; for Lex null and absent agree.
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value if v is not None]
    return value


class AwsLexRuntime:
    """Lex V2 `RecognizeText`; every failure surfaces as IntegrationError."""

    def __init__(self, client: Any | None = None) -> None:
        self._client = client  # tests inject a Stubber-wrapped client

    @property
    def client(self) -> Any:
        return self._client or _client.client("lexv2-runtime")

    def _request(self, session_id: str, text: str, session_state: dict | None) -> dict:
        params: dict[str, Any] = {
            "botId": settings.LEX_BOT_ID,
            "botAliasId": settings.LEX_BOT_ALIAS_ID,
            "localeId": settings.LEX_LOCALE_ID,
            "sessionId": session_id,
            "text": text,
        }
        if session_state is not None:
            params["sessionState"] = _drop_nulls(session_state)
        return params

    def recognize_text(
        self, *, session_id: str, text: str, session_state: dict | None = None
    ) -> LexResult:
        params = self._request(session_id, text, session_state)
        try:
            response = self.client.recognize_text(**params)
        except (ClientError, BotoCoreError) as exc:
            raise wrap_client_error(exc) from exc
        return parse_response(response)


# --- local twin --------------------------------------------------------------------------------


def _no_intents(text: str) -> list[tuple[str, float]]:
    return []


class LocalLexRuntime:
    """Offline twin: `resolve(text)` scores intents; below the threshold it is FallbackIntent.

    Mirrors Lex: FallbackIntent carries no confidence, the chosen intent is echoed in the
    session state, and interpretations list the alternatives (FallbackIntent included).
    """

    def __init__(
        self, resolve: Resolver | None = None, *, threshold: float = LOCAL_CONFIDENCE_THRESHOLD
    ) -> None:
        self._resolve = resolve or _no_intents
        self._threshold = threshold

    def _interpretations(self, text: str) -> list[LexInterpretation]:
        # Lex reports confidence with two decimals.
        scored = [(name, round(float(score), 2)) for name, score in self._resolve(text)]
        scored = sorted((pair for pair in scored if pair[1] > 0), key=lambda p: -p[1])
        matches = [LexInterpretation(name, score) for name, score in scored]
        fallback = LexInterpretation(FALLBACK_INTENT, None)
        if not scored or scored[0][1] < self._threshold:
            return [fallback, *matches][:MAX_INTERPRETATIONS]
        return [*matches[: MAX_INTERPRETATIONS - 1], fallback]

    def recognize_text(
        self, *, session_id: str, text: str, session_state: dict | None = None
    ) -> LexResult:
        interpretations = self._interpretations(text)
        top = interpretations[0]
        # No slots and no fulfillment hook: Lex closes the turn as ReadyForFulfillment.
        intent_state = "ReadyForFulfillment"
        intent = {"name": top.intent_name, "slots": {}, "state": intent_state}
        state = {
            "dialogAction": {"type": "Close"},
            "intent": {**intent, "confirmationState": "None"},
            "sessionAttributes": dict((session_state or {}).get("sessionAttributes") or {}),
        }
        return LexResult(
            intent_name=top.intent_name,
            confidence=top.confidence,
            intent_state=intent_state,
            slots={},
            messages=[],
            session_state=state,
            interpretations=interpretations,
        )


def get_lex_runtime(resolve: Resolver | None = None) -> LexRuntime:
    """AWS when `AICC_AWS_BACKEND == "aws"`, else the local twin answering through `resolve`."""
    if settings.AICC_AWS_BACKEND == "aws":
        return AwsLexRuntime()
    return LocalLexRuntime(resolve)
