"""Amazon Lex V2 model building: push FAQ and scenario intents into the bot's DRAFT, then build.

AWS resources: the bot `settings.LEX_BOT_ID`, version DRAFT, locale `settings.LEX_LOCALE_ID`
("ko_KR"), in `settings.AWS_REGION`. The alias the runtime uses must point at a version built
from DRAFT (or at DRAFT itself, TSTALIASID) for pushed intents to reach customers.
IAM actions on `arn:aws:lex:<region>:<account>:bot/<LEX_BOT_ID>`: lex:ListIntents,
lex:CreateIntent, lex:UpdateIntent, lex:DeleteIntent, lex:ListSlots, lex:CreateSlot,
lex:BuildBotLocale, lex:DescribeBotLocale.

Intent names must match `^([0-9a-zA-Z][_-]?){1,100}$`: FAQs are `FAQ_<pk>`, scenarios their
ASCII `code` (the runtime maps them back, see apps/nlu/backends.py). `LocalLexModels` is the
in-memory twin with the same behaviour, builds included.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from apps.integrations.aws import _client
from apps.integrations.aws.errors import IntegrationError, wrap_client_error

DRAFT = "DRAFT"
BUILT, FAILED = "Built", "Failed"
FIXTURE = Path(__file__).parent / "fixtures" / "lex_models.json"
# Lex rejects most punctuation in sample utterances; {slot} references must survive.
_UTTERANCE_JUNK = re.compile(r"[^\w\s{}'.-]")


@dataclass(frozen=True)
class SlotSpec:
    name: str
    prompt: str
    slot_type_id: str = "AMAZON.AlphaNumeric"
    max_retries: int = 2


@dataclass(frozen=True)
class IntentSpec:
    name: str
    description: str
    utterances: list[str]
    slots: list[SlotSpec] = field(default_factory=list)
    closing_message: str = ""  # spoken/typed by Lex itself when the intent is fulfilled

    def digest(self) -> str:
        """A stable hash of everything pushed, so unchanged intents are not pushed again."""
        raw = json.dumps(
            [
                self.name,
                self.description,
                self.utterances,
                self.closing_message,
                [(s.name, s.prompt, s.slot_type_id, s.max_retries) for s in self.slots],
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class LocaleStatus:
    status: str
    failure_reasons: list[str]


class LexModelsApi(Protocol):
    def list_intents(self) -> dict[str, str]: ...
    def create_intent(self, spec: IntentSpec) -> str: ...
    def update_intent(self, intent_id: str, spec: IntentSpec, slot_ids: dict[str, str]) -> None: ...
    def delete_intent(self, intent_id: str) -> None: ...
    def list_slots(self, intent_id: str) -> dict[str, str]: ...
    def create_slot(self, intent_id: str, slot: SlotSpec) -> str: ...
    def build_bot_locale(self) -> str: ...
    def describe_bot_locale(self) -> LocaleStatus: ...


def clean_utterances(texts: list[str]) -> list[str]:
    cleaned = (" ".join(_UTTERANCE_JUNK.sub(" ", t).split())[:200] for t in texts)
    return list(dict.fromkeys(t for t in cleaned if t))


def _message(text: str) -> dict:
    return {"messageGroups": [{"message": {"plainTextMessage": {"value": text}}}]}


def intent_body(spec: IntentSpec) -> dict[str, Any]:
    body: dict[str, Any] = {
        "intentName": spec.name,
        "description": spec.description[:200],
        "sampleUtterances": [{"utterance": u} for u in spec.utterances],
    }
    if spec.closing_message:
        body["intentClosingSetting"] = {"closingResponse": _message(spec.closing_message[:1000])}
    return body


def slot_elicitation(slot: SlotSpec) -> dict[str, Any]:
    prompt = {**_message(slot.prompt), "maxRetries": slot.max_retries}
    return {"slotConstraint": "Required", "promptSpecification": prompt}


def wait_until_built(
    api: LexModelsApi,
    *,
    timeout: float = 600,
    interval: float = 5,
    sleep: Callable[[float], None] = time.sleep,
) -> LocaleStatus:
    """Poll describe_bot_locale until Built; Failed raises (not retryable) with Lex's reasons."""
    waited = 0.0
    while True:
        status = api.describe_bot_locale()
        if status.status == FAILED:
            reasons = "; ".join(status.failure_reasons) or status.status
            raise IntegrationError(
                f"Lex build failed: {reasons}", retryable=False, code="BuildFailed"
            )
        if status.status == BUILT:
            return status
        if waited >= timeout:
            raise IntegrationError(
                f"Lex build still {status.status} after {timeout:.0f}s",
                retryable=True,
                code="BuildTimeout",
            )
        sleep(interval)
        waited += interval


# --- AWS -----------------------------------------------------------------------------------------


class AwsLexModels:
    def __init__(self, client: Any | None = None) -> None:
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or _client.client("lexv2-models")

    @property
    def _locale(self) -> dict[str, str]:
        return {
            "botId": settings.LEX_BOT_ID,
            "botVersion": DRAFT,
            "localeId": settings.LEX_LOCALE_ID,
        }

    def _call(self, operation: str, **params: Any) -> dict:
        try:
            return getattr(self.client, operation)(**self._locale, **params)
        except (ClientError, BotoCoreError) as exc:
            raise wrap_client_error(exc) from exc

    def _pages(self, operation: str, key: str, **params: Any) -> list[dict]:
        items: list[dict] = []
        token = None
        while True:
            page = self._call(
                operation, maxResults=1000, **params, **({"nextToken": token} if token else {})
            )
            items += page.get(key) or []
            token = page.get("nextToken")
            if not token:
                return items

    def list_intents(self) -> dict[str, str]:
        intents = self._pages("list_intents", "intentSummaries")
        return {i["intentName"]: i["intentId"] for i in intents}

    def create_intent(self, spec: IntentSpec) -> str:
        return self._call("create_intent", **intent_body(spec))["intentId"]

    def update_intent(self, intent_id: str, spec: IntentSpec, slot_ids: dict[str, str]) -> None:
        body = intent_body(spec)
        if spec.slots:
            body["slotPriorities"] = [
                {"priority": i, "slotId": slot_ids[s.name]} for i, s in enumerate(spec.slots, 1)
            ]
        self._call("update_intent", intentId=intent_id, **body)

    def delete_intent(self, intent_id: str) -> None:
        self._call("delete_intent", intentId=intent_id)

    def list_slots(self, intent_id: str) -> dict[str, str]:
        slots = self._pages("list_slots", "slotSummaries", intentId=intent_id)
        return {s["slotName"]: s["slotId"] for s in slots}

    def create_slot(self, intent_id: str, slot: SlotSpec) -> str:
        raw = self._call(
            "create_slot",
            intentId=intent_id,
            slotName=slot.name,
            slotTypeId=slot.slot_type_id,
            valueElicitationSetting=slot_elicitation(slot),
        )
        return raw["slotId"]

    def build_bot_locale(self) -> str:
        return self._call("build_bot_locale")["botLocaleStatus"]

    def describe_bot_locale(self) -> LocaleStatus:
        raw = self._call("describe_bot_locale")
        return LocaleStatus(raw["botLocaleStatus"], list(raw.get("failureReasons") or []))


# --- local twin ----------------------------------------------------------------------------------


def local_id(kind: str, name: str) -> str:
    """Lex ids are 10 upper-case alphanumerics; the twin derives them from the name."""
    return hashlib.sha1(f"{kind}:{name}".encode(), usedforsecurity=False).hexdigest()[:10].upper()


class LocalLexModels:
    """In memory: intents by id, slots by intent, and a build that finishes on the next poll."""

    def __init__(self) -> None:
        seed = json.loads(FIXTURE.read_text(encoding="utf-8"))
        self.intents: dict[str, dict[str, Any]] = {i["intentId"]: dict(i) for i in seed["intents"]}
        self.slots: dict[str, dict[str, str]] = {}
        self.status = seed["botLocaleStatus"]
        self.fail_next_build: list[str] = []  # tests/demo: reasons the next build fails with
        self.failure_reasons: list[str] = []

    def _get(self, intent_id: str) -> dict[str, Any]:
        if intent_id not in self.intents:
            raise IntegrationError(
                f"intent {intent_id} not found", retryable=False, code="ResourceNotFoundException"
            )
        return self.intents[intent_id]

    def list_intents(self) -> dict[str, str]:
        return {i["intentName"]: i["intentId"] for i in self.intents.values()}

    def create_intent(self, spec: IntentSpec) -> str:
        if spec.name in self.list_intents():
            raise IntegrationError(
                f"intent {spec.name} exists", retryable=False, code="ConflictException"
            )
        intent_id = local_id("intent", spec.name)
        self.intents[intent_id] = {"intentId": intent_id, **intent_body(spec)}
        self.status = "NotBuilt"
        return intent_id

    def update_intent(self, intent_id: str, spec: IntentSpec, slot_ids: dict[str, str]) -> None:
        self._get(intent_id).update(
            intent_body(spec), slotPriorities=[slot_ids[s.name] for s in spec.slots]
        )
        self.status = "NotBuilt"

    def delete_intent(self, intent_id: str) -> None:
        self._get(intent_id)
        del self.intents[intent_id]
        self.status = "NotBuilt"

    def list_slots(self, intent_id: str) -> dict[str, str]:
        self._get(intent_id)
        return dict(self.slots.get(intent_id, {}))

    def create_slot(self, intent_id: str, slot: SlotSpec) -> str:
        self._get(intent_id)
        slot_id = local_id("slot", f"{intent_id}:{slot.name}")
        self.slots.setdefault(intent_id, {})[slot.name] = slot_id
        return slot_id

    def build_bot_locale(self) -> str:
        self.status = "Building"
        return self.status

    def describe_bot_locale(self) -> LocaleStatus:
        if self.status == "Building":
            self.failure_reasons, self.fail_next_build = self.fail_next_build, []
            self.status = FAILED if self.failure_reasons else BUILT
            return LocaleStatus("Building", [])  # the first poll still sees it building
        return LocaleStatus(self.status, list(self.failure_reasons))


@functools.cache
def local_lex_models() -> LocalLexModels:
    return LocalLexModels()


def get_lex_models() -> LexModelsApi:
    if settings.AICC_AWS_BACKEND == "aws":
        return AwsLexModels()
    return local_lex_models()
