"""Call recordings of voice contacts synced from Connect, played on the evaluation page.

The file stays in the store (S3, or the local twin offline); a player gets a presigned URL
that lives PLAYBACK_URL_SECONDS, and every URL handed out is written to the audit log, because
a recording is personal data (DESIGN §11).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from apps.chat.models import Conversation
from apps.core.exceptions import ApplicationError
from apps.core.models import AuditAction, AuditLog
from apps.evaluations.models import CallRecording
from apps.integrations.aws.s3 import LocalFiles, get_file_store

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PLAYBACK_URL_SECONDS = 5 * 60


def is_connect_voice(conversation: Conversation) -> bool:
    return conversation.channel == "voice" and bool(conversation.connect_contact_id)


def recording_for(conversation: Conversation) -> CallRecording | None:
    if not is_connect_voice(conversation):
        return None
    return CallRecording.objects.filter(conversation=conversation).first()


def recording_register(
    *,
    conversation: Conversation,
    storage_key: str,
    content_type: str = "audio/wav",
    duration_seconds: int | None = None,
) -> CallRecording:
    """Record where a contact's recording is (called by the Connect sync; idempotent)."""
    if not is_connect_voice(conversation):
        raise ApplicationError(_("Connect 음성 상담에만 녹취를 연결할 수 있습니다."))
    recording, _created = CallRecording.objects.update_or_create(
        conversation=conversation,
        defaults={
            "storage_key": storage_key,
            "content_type": content_type,
            "duration_seconds": duration_seconds,
        },
    )
    return recording


def recording_playback_url(*, recording: CallRecording, user: User, reason: str) -> str:
    """A short-lived URL to the recording, audit-logged. Offline, the signed local token is
    served by our own view (views.recording_file), which checks it again."""
    store = get_file_store()
    url = store.presigned_url(recording.storage_key, expires_in=PLAYBACK_URL_SECONDS)
    AuditLog.objects.create(
        user=user,
        action=AuditAction.RECORDING_PLAY,
        target=f"conversation:{recording.conversation_id}",
        customer_id=recording.conversation.customer_id,
        fields="recording",
        reason=reason[:300],
    )
    if isinstance(store, LocalFiles):
        token = parse_qs(urlsplit(url).query)["token"][0]
        return reverse("evaluations:recording_file") + "?" + urlencode({"token": token})
    return url


def recording_local_file(*, token: str) -> tuple[bytes, str] | None:
    """Bytes and type of the local recording a token grants; None if forged or expired."""
    key = LocalFiles.verify_token(token)
    recording = CallRecording.objects.filter(storage_key=key).first() if key else None
    if recording is None:
        return None
    try:
        return LocalFiles().read(recording.storage_key), recording.content_type
    except FileNotFoundError:
        return None
