"""Celery tasks of the FAQ app. Schedule: migration faqs 0003_mine_candidates_schedule."""

from __future__ import annotations

from celery import Task, shared_task

from apps.faqs import mining


@shared_task(name="faqs.mine_candidates", bind=True, acks_late=True, reject_on_worker_lost=True)
def mine_candidates(self: Task, days: int = mining.DAYS) -> int:
    # Idempotent: each run replaces the NEW candidates (mining.faq_candidates_mine).
    return len(mining.faq_candidates_mine(days=days))
