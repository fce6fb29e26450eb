"""Import finished Amazon Connect voice contacts as conversations, with their call recordings.

Each run asks Connect (SearchContacts, throttled like every Connect call) for the VOICE contacts
that disconnected in the last WINDOW_HOURS and upserts one `chat.Conversation` per contact,
keyed by `connect_contact_id`. The window overlaps the previous hourly run on purpose: Connect
indexes contacts for search a little late, and it writes a recording to S3 only after the call,
so a contact first seen without its recording gets it on the next pass. Voice conversations of
the last RECORDING_GRACE_HOURS that still have no recording are looked up again each run (S3
only, no Connect call).

Recordings are found in the portal's file store (`get_file_store()`: the S3 bucket
AWS_STORAGE_BUCKET_NAME, or MEDIA_ROOT/files offline), the same store the evaluation page
presigns playback URLs from, so the Connect instance's call-recording storage must point at that
bucket with CONNECT_RECORDINGS_PREFIX. Connect files a recording under the UTC day it was
written: the contact's disconnect day first, then its start day, then the day after.

No caller number is read or stored: SearchContacts does not return it, and `user_id` is the
contact id, so a voice conversation carries no personal data beyond the recording itself.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from apps.agents.models import Agent, Queue
from apps.chat.models import Conversation, ConversationState
from apps.evaluations.recordings import recording_register
from apps.integrations.aws.connect import (
    SEARCH_DISCONNECT,
    get_connect,
    recording_key_prefix,
)
from apps.integrations.aws.connect_parse import VoiceContact
from apps.integrations.aws.errors import IntegrationError
from apps.integrations.aws.s3 import FileStore, get_file_store
from apps.integrations.models import SyncKind, SyncRun
from apps.integrations.services.runs import CREATED, UNCHANGED, UPDATED, count, sync_run

logger = logging.getLogger(__name__)

VOICE = "voice"
SYNC_KIND = SyncKind.CONNECT_VOICE
WINDOW_HOURS = 2  # hourly runs, so every contact is seen twice
RECORDING_GRACE_HOURS = 24  # keep looking for a late recording this long after the call
RECORDING_RETRY_LIMIT = 500  # per run: S3 list calls for old contacts stay bounded
RECORDING_SUFFIX = ".wav"
LOCK_KEY = "integrations:connect-voice-sync"
LOCK_SECONDS = 30 * 60  # a killed run frees the lock after this long


# --- mapping ---------------------------------------------------------------------------------


def conversation_fields(
    contact: VoiceContact, queues: dict[str, int], agents: dict[str, int]
) -> dict[str, object]:
    """The Conversation columns a contact decides; everything else (notes, CSAT) is ours.

    Answered calls are CLOSED at the disconnect. A call that waited in a queue and hung up
    before an agent answered is ABANDONED then (abandoned_at, like local chats). A call that
    ended in the IVR without queueing is CLOSED with no queued_at: self-service, so the KPIs
    count it as contained rather than inflating abandonment (ABANDONED / QUEUED).
    """
    answered = contact.reached_agent
    abandoned = not answered and contact.enqueued_at is not None
    return {
        "user_id": f"connect:{contact.contact_id}"[:128],
        "state": ConversationState.ABANDONED if abandoned else ConversationState.CLOSED,
        "queue_id": queues.get(contact.queue_id or ""),
        "agent_id": agents.get(contact.agent_id or "") if answered else None,
        "started_at": contact.initiated_at,
        "queued_at": contact.enqueued_at,
        "assigned_at": contact.connected_to_agent_at,
        "closed_at": None if abandoned else contact.disconnected_at,
        "abandoned_at": contact.disconnected_at if abandoned else None,
    }


def _upsert_conversation(
    contact: VoiceContact, queues: dict[str, int], agents: dict[str, int]
) -> tuple[str, Conversation]:
    wanted = conversation_fields(contact, queues, agents)
    conversation = Conversation.objects.filter(
        channel=VOICE, connect_contact_id=contact.contact_id
    ).first()
    if conversation is None:
        conversation = Conversation.objects.create(
            channel=VOICE, connect_contact_id=contact.contact_id, **wanted
        )
        return CREATED, conversation
    changed = [field for field, value in wanted.items() if getattr(conversation, field) != value]
    if not changed:
        return UNCHANGED, conversation
    for field in changed:
        setattr(conversation, field, wanted[field])
    conversation.save(update_fields=changed)
    return UPDATED, conversation


# --- recordings ------------------------------------------------------------------------------


def _recording_days(disconnected: datetime, started: datetime) -> list[date]:
    days = [disconnected, started, disconnected + timedelta(days=1)]
    unique: list[date] = []
    for day in (d.astimezone(UTC).date() for d in days):
        if day not in unique:
            unique.append(day)
    return unique


def recording_find(
    store: FileStore, *, contact_id: str, started: datetime, disconnected: datetime
) -> str | None:
    """The key of the contact's call recording, or None while Connect has not written it.

    With several (an IVR and an agent recording, or a resumed call) the latest is the agent's.
    """
    for day in _recording_days(disconnected, started):
        keys = [
            k
            for k in store.list_keys(recording_key_prefix(contact_id, day))
            if k.endswith(RECORDING_SUFFIX)
        ]
        if keys:
            return sorted(keys)[-1]
    return None


def _duration(assigned: datetime | None, closed: datetime | None) -> int | None:
    # Connect records from the agent's answer to the disconnect.
    if assigned is None or closed is None:
        return None
    return max(0, round((closed - assigned).total_seconds()))


def _register_recording(conversation: Conversation, store: FileStore) -> bool:
    """Attach the recording if Connect has written it; True when the conversation has one."""
    assert conversation.closed_at is not None
    key = recording_find(
        store,
        contact_id=conversation.connect_contact_id,
        started=conversation.started_at,
        disconnected=conversation.closed_at,
    )
    if key is None:
        return False
    existing = getattr(conversation, "recording", None)
    duration = _duration(conversation.assigned_at, conversation.closed_at)
    if existing is None or (existing.storage_key, existing.duration_seconds) != (key, duration):
        recording_register(
            conversation=conversation,
            storage_key=key,
            content_type="audio/wav",
            duration_seconds=duration,
        )
    return True


def _awaiting_recording(since: datetime, until: datetime) -> list[Conversation]:
    """Answered voice contacts that ended in [since, until) and have no recording yet."""
    return list(
        Conversation.objects.filter(
            channel=VOICE,
            recording__isnull=True,
            assigned_at__isnull=False,
            closed_at__gte=since,
            closed_at__lt=until,
        )
        .exclude(connect_contact_id="")
        .order_by("-closed_at")[:RECORDING_RETRY_LIMIT]
    )


# --- the sync --------------------------------------------------------------------------------


def default_window(now: datetime, hours: int = WINDOW_HOURS) -> tuple[datetime, datetime]:
    return now - timedelta(hours=hours), now


def connect_sync_voice_contacts(
    *, start: datetime | None = None, end: datetime | None = None
) -> SyncRun:
    """Upsert the voice contacts that ended in [start, end) and register their recordings.

    Idempotent: a second run over the same window counts every contact unchanged. One run at a
    time (the conversations have no unique constraint on the contact id to fall back on).
    """
    now = timezone.now()
    if start is None or end is None:
        start, end = default_window(now)
    if start >= end:
        raise ValueError("start must be before end")
    if not cache.add(LOCK_KEY, 1, LOCK_SECONDS):
        raise IntegrationError(
            "another voice contact sync is running", retryable=True, code="SyncInProgress"
        )
    try:
        with sync_run(SYNC_KIND) as run:
            run.detail = {"start": start.isoformat(), "end": end.isoformat()}
            _sync(run, start, end, now)
        return run
    finally:
        cache.delete(LOCK_KEY)


def _sync(run: SyncRun, start: datetime, end: datetime, now: datetime) -> None:
    # Connect first, outside any transaction: the throttled calls may take a while.
    contacts = [
        c
        for c in get_connect().search_voice_contacts(
            start=start, end=end, time_range=SEARCH_DISCONNECT
        )
        if c.disconnected_at is not None  # still on the line: the next run takes it
    ]
    queues = dict(
        Queue.objects.filter(connect_queue_id__in={c.queue_id for c in contacts}).values_list(
            "connect_queue_id", "pk"
        )
    )
    agents = dict(
        Agent.objects.filter(connect_user_id__in={c.agent_id for c in contacts}).values_list(
            "connect_user_id", "pk"
        )
    )
    store = get_file_store()
    found = missing = 0
    for contact in contacts:
        with transaction.atomic():
            outcome, conversation = _upsert_conversation(contact, queues, agents)
            count(run, outcome)
            if contact.reached_agent:
                if _register_recording(conversation, store):
                    found += 1
                else:
                    missing += 1
    late = 0
    # Contacts of this window were just looked up; earlier ones get another look here.
    since = min(start, now - timedelta(hours=RECORDING_GRACE_HOURS))
    for conversation in _awaiting_recording(since, start):
        with transaction.atomic():
            if _register_recording(conversation, store):
                late += 1
            else:
                missing += 1
    run.detail = {
        **run.detail,
        "contacts": len(contacts),
        "recordings": found,
        "late_recordings": late,
        "recordings_missing": missing,
    }
    if missing:
        logger.info("connect voice sync: %d answered contacts have no recording yet", missing)
