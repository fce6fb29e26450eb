"""Push published FAQs and active scenarios to Lex as intents, then build the locale.

Debounced by content version: `lex_push_if_changed` (beat, every minute) compares the FAQ and
scenario version stamps that apps/faqs and apps/scenarios bump on publish with the stamp of the
last successful push, and waits until editing has been quiet for a while, so ten FAQs published
in a row cause one build, and the FAQ services need no hook into this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from apps.core.models import ContentVersion
from apps.faqs.models import Faq
from apps.integrations.aws.errors import IntegrationError
from apps.integrations.aws.lex_models import (
    BUILT,
    IntentSpec,
    LexModelsApi,
    SlotSpec,
    clean_utterances,
    get_lex_models,
    wait_until_built,
)
from apps.integrations.models import LexIntent, SyncKind, SyncRun, SyncStatus
from apps.integrations.services.runs import CREATED, DELETED, UNCHANGED, UPDATED, count, sync_run
from apps.scenarios.models import Scenario, SlotValidator

logger = logging.getLogger(__name__)

CONTENT_KEYS = ("faqs", "scenarios")
QUIET_SECONDS = 60
LOCK_KEY = "integrations:lex-sync:lock"
PENDING_KEY = "integrations:lex-sync:pending"
LOCK_SECONDS = 15 * 60  # longer than any build; a killed worker frees it after this
# Keyed by str: Slot.validator is a plain CharField, not a SlotValidator.
SLOT_TYPES: dict[str, str] = {
    SlotValidator.NUMBER: "AMAZON.Number",
    SlotValidator.DATE: "AMAZON.Date",
    SlotValidator.PHONE: "AMAZON.PhoneNumber",
}
Progress = Callable[[str], None]


def content_stamp() -> str:
    return ",".join(f"{key}:{ContentVersion.current(key)}" for key in CONTENT_KEYS)


def _faq_intent(faq: Faq) -> IntentSpec:
    texts = [faq.question, *(a.text for a in faq.alternatives.all())]
    return IntentSpec(
        name=faq.intent_code,
        description=f"FAQ {faq.pk}: {faq.question}"[:200],
        utterances=clean_utterances(texts),
        closing_message=faq.answer,
    )


def _scenario_intent(scenario: Scenario) -> IntentSpec:
    slots = [
        SlotSpec(
            name=s.name,
            prompt=s.prompt,
            slot_type_id=SLOT_TYPES.get(s.validator, "AMAZON.AlphaNumeric"),
            max_retries=max(0, min(5, s.max_attempts - 1)),
        )
        for s in scenario.slots.all()
    ]
    return IntentSpec(
        name=scenario.code,
        description=scenario.name,
        utterances=clean_utterances([u.text for u in scenario.utterances.all()]),
        slots=slots,
    )


def desired_intents() -> list[IntentSpec]:
    faqs = Faq.objects.live().prefetch_related("alternatives").order_by("pk")
    scenarios = Scenario.objects.filter(is_active=True).prefetch_related("slots", "utterances")
    specs = [_faq_intent(f) for f in faqs] + [_scenario_intent(s) for s in scenarios.order_by("pk")]
    return [spec for spec in specs if spec.utterances]  # Lex refuses to build empty intents


def _push(api: LexModelsApi, spec: IntentSpec, remote: dict[str, str]) -> str:
    digest, intent_id = spec.digest(), remote.get(spec.name)
    row = LexIntent.objects.filter(name=spec.name).first()
    if intent_id and row and (row.intent_id, row.digest) == (intent_id, digest):
        return UNCHANGED
    outcome = UPDATED if intent_id else CREATED
    if intent_id is None:
        intent_id = api.create_intent(spec)
    slot_ids = api.list_slots(intent_id) if spec.slots else {}
    for slot in spec.slots:
        if slot.name not in slot_ids:
            slot_ids[slot.name] = api.create_slot(intent_id, slot)
    if outcome == UPDATED or spec.slots:
        api.update_intent(intent_id, spec, slot_ids)
    LexIntent.objects.update_or_create(
        name=spec.name,
        defaults={"intent_id": intent_id, "digest": digest, "pushed_at": timezone.now()},
    )
    return outcome


def _delete_stale(
    api: LexModelsApi, wanted: set[str], remote: dict[str, str], run: SyncRun
) -> None:
    # Only intents this portal created are ours to delete; FallbackIntent and hand-made stay.
    for row in LexIntent.objects.exclude(name__in=wanted):
        if row.name in remote:
            api.delete_intent(remote[row.name])
        row.delete()
        count(run, DELETED)


def _sync(run: SyncRun, progress: Progress) -> None:
    api = get_lex_models()
    remote = api.list_intents()
    desired = desired_intents()
    for spec in desired:
        outcome = _push(api, spec, remote)
        count(run, outcome)
        if outcome != UNCHANGED:
            progress(f"{spec.name}: {outcome}")
    _delete_stale(api, {s.name for s in desired}, remote, run)
    # Build after changes, and also when an earlier run pushed but died before its build.
    if run.changes or api.describe_bot_locale().status != BUILT:
        progress("building locale…")
        api.build_bot_locale()
        run.detail = {"build": wait_until_built(api).status}
        progress(f"locale {run.detail['build']}")


def lex_sync_intents(*, progress: Progress | None = None) -> SyncRun:
    if not cache.add(LOCK_KEY, 1, LOCK_SECONDS):
        raise IntegrationError("another Lex sync is running", retryable=True, code="SyncInProgress")
    try:
        with sync_run(SyncKind.LEX) as run:
            run.content_stamp = content_stamp()
            _sync(run, progress or (lambda _msg: None))
        return run
    finally:
        cache.delete(LOCK_KEY)


def lex_push_if_changed(*, quiet_seconds: int = QUIET_SECONDS) -> SyncRun | None:
    """Push when FAQ/scenario content changed since the last good push and has been quiet.

    `ContentVersion.bump` does not touch `updated_at`, so quietness is measured here: the first
    tick that sees a new stamp remembers it; a tick `quiet_seconds` later with the same stamp
    pushes. Any further publish in between moves the stamp and restarts the wait.
    """
    stamp = content_stamp()
    last = SyncRun.objects.filter(kind=SyncKind.LEX, status=SyncStatus.SUCCEEDED).first()
    if last and last.content_stamp == stamp:
        return None
    now = timezone.now()
    seen_stamp, seen_at = cache.get(PENDING_KEY) or ("", now)
    if seen_stamp != stamp:
        cache.set(PENDING_KEY, (stamp, now), timeout=None)
        seen_at = now
    if now - seen_at < timedelta(seconds=quiet_seconds):
        logger.info("lex push deferred until %s is quiet", stamp)
        return None
    return lex_sync_intents()
