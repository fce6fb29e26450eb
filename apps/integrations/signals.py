"""Keep the DynamoDB content mirror in step with FAQ and scenario changes.

Receivers here, not calls in apps/faqs or apps/scenarios, for the same reason the Lex push is
driven from this app: content services need no hook into integrations. Each change enqueues a
mirror task after commit (so a rolled-back publish never reaches the Lambda); the task re-reads
the row and upserts or deletes, so duplicates and reordering are harmless. Nothing is enqueued
unless AICC_DYNAMODB_TABLE is set.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from apps.faqs.models import Faq, FaqStatus
from apps.integrations.services.content_mirror import mirror_enabled
from apps.scenarios.models import Scenario, ScenarioStep


def _enqueue_faq(faq_id: int) -> None:
    from apps.integrations.tasks import dynamodb_mirror_faq

    transaction.on_commit(lambda: dynamodb_mirror_faq.delay(faq_id))


def _enqueue_scenario(scenario_id: int, code: str) -> None:
    from apps.integrations.tasks import dynamodb_mirror_scenario

    transaction.on_commit(lambda: dynamodb_mirror_scenario.delay(scenario_id, code))


@receiver(pre_save, sender=Faq, dispatch_uid="mirror-faq-pre")
def _faq_remember_status(sender: type, instance: Faq, **kwargs: Any) -> None:
    if mirror_enabled() and instance.pk:
        instance._mirror_was_published = Faq.objects.filter(  # type: ignore[attr-defined]
            pk=instance.pk, status=FaqStatus.PUBLISHED
        ).exists()


@receiver(post_save, sender=Faq, dispatch_uid="mirror-faq")
def _faq_saved(sender: type, instance: Faq, **kwargs: Any) -> None:
    # Drafts that never were published have nothing in the table: skip their saves.
    was_published = getattr(instance, "_mirror_was_published", False)
    if mirror_enabled() and (was_published or instance.status == FaqStatus.PUBLISHED):
        _enqueue_faq(instance.pk)


@receiver(post_delete, sender=Faq, dispatch_uid="mirror-faq-delete")
def _faq_deleted(sender: type, instance: Faq, **kwargs: Any) -> None:
    if mirror_enabled():
        _enqueue_faq(instance.pk)


@receiver(pre_save, sender=Scenario, dispatch_uid="mirror-scenario-pre")
def _scenario_remember_code(sender: type, instance: Scenario, **kwargs: Any) -> None:
    # A renamed intent code leaves an item under the old code: the task deletes it.
    if mirror_enabled() and instance.pk:
        instance._mirror_old_code = (  # type: ignore[attr-defined]
            Scenario.objects.filter(pk=instance.pk).values_list("code", flat=True).first()
        )


@receiver(post_save, sender=Scenario, dispatch_uid="mirror-scenario")
@receiver(post_delete, sender=Scenario, dispatch_uid="mirror-scenario-delete")
def _scenario_changed(sender: type, instance: Scenario, **kwargs: Any) -> None:
    if mirror_enabled():
        _enqueue_scenario(instance.pk, getattr(instance, "_mirror_old_code", None) or instance.code)


@receiver(post_save, sender=ScenarioStep, dispatch_uid="mirror-step")
@receiver(post_delete, sender=ScenarioStep, dispatch_uid="mirror-step-delete")
def _scenario_step_changed(sender: type, instance: ScenarioStep, **kwargs: Any) -> None:
    if mirror_enabled():
        scenario = Scenario.objects.filter(pk=instance.scenario_id).only("code").first()
        if scenario is not None:
            _enqueue_scenario(scenario.pk, scenario.code)
