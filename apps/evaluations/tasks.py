"""Celery tasks of the QA app: thin wrappers around services (idempotent, so acks_late is safe)."""

from __future__ import annotations

from datetime import date
from typing import Any

from celery import Task, shared_task

from apps.evaluations.sampling import previous_week, sample_week


@shared_task(
    name="evaluations.sample_weekly", bind=True, acks_late=True, reject_on_worker_lost=True
)
def sample_weekly(self: Task, week: str | None = None) -> dict[str, Any]:
    """Sample `week` (ISO date of its Monday), by default the week before today."""
    monday = date.fromisoformat(week) if week else previous_week()
    if monday.weekday() != 0:
        raise ValueError(f"week must be a Monday: {week}")
    result = sample_week(week=monday)
    return {"week": result.week.isoformat(), "created": result.created, "by_rule": result.by_rule}
