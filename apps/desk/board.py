"""The supervisor board's live feed: throttled snapshots pushed to the `board` group.

`apps.chat.broadcast.board_changed` (called by chat events after commit: queued, assigned,
closed, agent state) lands here. The first change in a window pushes a fresh snapshot at once;
later changes inside the window schedule one trailing push, so the last change is never lost
and supervisors get at most about one snapshot per second however busy the floor is.
The board page also polls every 15 s (static/js/board.js) in case a push is lost.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

from apps.chat import broadcast
from apps.chat.models import Conversation, ConversationState
from apps.reports import live

logger = logging.getLogger(__name__)

THROTTLE_SECONDS = 1
LOCK_KEY = "desk:board:push-lock"
PENDING_KEY = "desk:board:push-pending"
LIVE_CHATS_SHOWN = 100


def board_push(reason: str) -> None:
    """Compute one snapshot and send it (5–6 aggregate queries; see apps/reports/live.py)."""
    broadcast.board_snapshot(reason, live.board_snapshot())


def board_publish(reason: str) -> None:
    try:
        if cache.add(LOCK_KEY, 1, timeout=THROTTLE_SECONDS):
            board_push(reason)
            return
        # Without a broker (eager Celery, one process) a "delayed" task would run right now and
        # defeat the throttle; the page's 15-s poll covers that setup.
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return
        if cache.add(PENDING_KEY, 1, timeout=THROTTLE_SECONDS * 10):
            from apps.desk.tasks import push_board_snapshot

            push_board_snapshot.apply_async(args=[reason], countdown=THROTTLE_SECONDS)
    except Exception:
        # Called after commit from chat events: a board hiccup must never fail a chat request.
        logger.exception("board snapshot push failed (%s)", reason)


def board_push_pending(reason: str) -> None:
    """The trailing push: clear the pending mark first so a change during the push reschedules."""
    cache.delete(PENDING_KEY)
    cache.set(LOCK_KEY, 1, timeout=THROTTLE_SECONDS)
    board_push(reason)


def live_chats() -> list[Conversation]:
    """Waiting and agent-handled chats for the board's silent-view list, oldest first."""
    return list(
        Conversation.objects.select_related("queue", "agent")
        .filter(state__in=[ConversationState.QUEUED, ConversationState.ASSIGNED])
        .order_by("queued_at", "pk")[:LIVE_CHATS_SHOWN]
    )
