from __future__ import annotations

from celery import Task, shared_task

from apps.desk.board import board_push_pending


@shared_task(name="desk.push_board_snapshot", bind=True, acks_late=True, ignore_result=True)
def push_board_snapshot(self: Task, reason: str) -> None:
    """The trailing board snapshot of a throttle window (apps/desk/board.py); safe to repeat."""
    board_push_pending(reason)
