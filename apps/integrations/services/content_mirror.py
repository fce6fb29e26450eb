"""Mirror what the bot answers with into DynamoDB for the Lex code-hook Lambda.

One item per Lex intent code (the same codes lex_sync pushes: `FAQ_<pk>` and `Scenario.code`):
a published FAQ's answer, or an active scenario's first reply. Publishing upserts, archiving or
deleting removes (apps/integrations/signals.py enqueues after commit), and `resync` rebuilds the
whole table (`manage.py sync_dynamodb`). Every call reads the current row, so a late or repeated
task converges on the database state instead of replaying a stale one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from apps.faqs.models import Faq
from apps.integrations.aws.dynamodb import ContentItem, ContentTable, get_content_table
from apps.scenarios.models import Scenario, StepAction

logger = logging.getLogger(__name__)

UPSERTED, DELETED, DISABLED = "upserted", "deleted", "disabled"
FAQ_KIND, SCENARIO_KIND = "faq", "scenario"
Progress = Callable[[str], None]


@dataclass
class ResyncResult:
    upserted: int = 0
    deleted: int = 0


def mirror_enabled() -> bool:
    return bool(settings.AICC_DYNAMODB_TABLE)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def faq_content_item(faq: Faq) -> ContentItem:
    return ContentItem(
        intent_code=faq.intent_code,
        kind=FAQ_KIND,
        text=faq.answer,
        source_id=faq.pk,
        updated_at=timezone.now().isoformat(),
        valid_from=_iso(faq.valid_from),
        valid_until=_iso(faq.valid_until),
    )


def scenario_reply(scenario: Scenario) -> str:
    """The first reply step's template; the Lambda fills its {slot} fields from Lex's slots."""
    step = (
        scenario.steps.filter(action=StepAction.REPLY)
        .exclude(template="")
        .order_by("order", "id")
        .first()
    )
    return step.template if step else ""


def scenario_content_item(scenario: Scenario) -> ContentItem | None:
    text = scenario_reply(scenario)
    if not scenario.is_active or not text:
        return None
    return ContentItem(
        intent_code=scenario.code,
        kind=SCENARIO_KIND,
        text=text,
        source_id=scenario.pk,
        updated_at=timezone.now().isoformat(),
    )


def content_mirror_faq(*, faq_id: int, table: ContentTable | None = None) -> str:
    if not mirror_enabled():
        return DISABLED
    table = table or get_content_table()
    faq = Faq.objects.published().filter(pk=faq_id).first()
    if faq is None:  # archived, back in review, or deleted: the bot must not answer with it
        table.delete(f"FAQ_{faq_id}")
        return DELETED
    table.put(faq_content_item(faq))
    return UPSERTED


def content_mirror_scenario(
    *, scenario_id: int, code: str = "", table: ContentTable | None = None
) -> str:
    """Mirror one scenario; `code` is the intent code it had when the change was made."""
    if not mirror_enabled():
        return DISABLED
    table = table or get_content_table()
    scenario = Scenario.objects.filter(pk=scenario_id).first()
    item = scenario_content_item(scenario) if scenario else None
    if code and (item is None or item.intent_code != code):
        table.delete(code)
    if item is None:
        return DELETED
    table.put(item)
    return UPSERTED


def desired_items() -> list[ContentItem]:
    faqs = [faq_content_item(f) for f in Faq.objects.published().order_by("pk")]
    scenarios = Scenario.objects.filter(is_active=True).prefetch_related("steps").order_by("pk")
    return faqs + [i for s in scenarios if (i := scenario_content_item(s)) is not None]


def content_mirror_resync(
    *, table: ContentTable | None = None, progress: Progress | None = None
) -> ResyncResult:
    """Make the table exactly the published content: put every item, delete the rest."""
    table = table or get_content_table()
    progress = progress or (lambda _line: None)
    result = ResyncResult()
    wanted = desired_items()
    for item in wanted:
        table.put(item)
        result.upserted += 1
    for code in table.codes() - {item.intent_code for item in wanted}:
        table.delete(code)
        result.deleted += 1
        progress(f"{code}: deleted")
    logger.info(
        "dynamodb mirror resynced: %s upserted, %s deleted", result.upserted, result.deleted
    )
    return result
