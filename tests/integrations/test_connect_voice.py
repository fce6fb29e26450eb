"""Voice contacts from Connect: SearchContacts (Stubber), recordings found in S3 (moto) or the
local store, the upsert into conversations, and the offline twin's demo calls."""

from __future__ import annotations

import io
import wave
from datetime import UTC, datetime, timedelta
from io import StringIO
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import boto3
import pytest
from botocore.stub import Stubber
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask
from freezegun import freeze_time
from moto import mock_aws

from apps.chat.models import Conversation, ConversationState
from apps.evaluations.models import CallRecording
from apps.evaluations.recordings import recording_local_file, recording_playback_url
from apps.integrations import tasks
from apps.integrations.aws import _client
from apps.integrations.aws.connect import (
    SEARCH_INITIATION,
    AwsConnect,
    recording_key,
    recording_key_prefix,
)
from apps.integrations.aws.connect_local import LocalConnect, demo_wav
from apps.integrations.aws.errors import IntegrationError
from apps.integrations.aws.s3 import AwsFiles, LocalFiles
from apps.integrations.models import SyncStatus
from apps.integrations.services import connect_contacts, connect_sync
from tests.factories import AgentFactory, QueueFactory, UserFactory
from tests.integrations.connect_stubs import INSTANCE_ID, client_error, stubbed

pytestmark = pytest.mark.django_db

BUCKET = "aicc-voice-test"
REGION = "ap-northeast-2"
PREFIX = "connect/aicc-test/CallRecordings"
START = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
END = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
ANSWERED, ABANDONED, IVR_ONLY = "c-answered-1", "c-abandoned-2", "c-ivr-3"


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def answered(contact_id: str = ANSWERED, *, agent_id: str = "u-kim-0001") -> dict:
    return {
        "Id": contact_id,
        "Channel": "VOICE",
        "InitiationMethod": "INBOUND",
        "InitiationTimestamp": at(10),
        "DisconnectTimestamp": at(20),
        "QueueInfo": {"Id": "q-general-0001", "EnqueueTimestamp": at(11)},
        "AgentInfo": {"Id": agent_id, "ConnectedToAgentTimestamp": at(12.5)},
    }


ABANDONED_RAW = {
    "Id": ABANDONED,
    "Channel": "VOICE",
    "InitiationMethod": "INBOUND",
    "InitiationTimestamp": at(30),
    "DisconnectTimestamp": at(33),
    "QueueInfo": {"Id": "q-billing-0002", "EnqueueTimestamp": at(30.5)},
}
IVR_RAW = {
    "Id": IVR_ONLY,
    "Channel": "VOICE",
    "InitiationMethod": "INBOUND",
    "InitiationTimestamp": at(40),
    "DisconnectTimestamp": at(41),
}


def search_params(
    token: str | None = None,
    *,
    time_range: str = "DISCONNECT_TIMESTAMP",
    start: datetime = START,
    end: datetime = END,
) -> dict:
    params = {
        "InstanceId": INSTANCE_ID,
        "TimeRange": {"Type": time_range, "StartTime": start, "EndTime": end},
        "SearchCriteria": {"Channels": ["VOICE"]},
        "Sort": {"FieldName": time_range, "Order": "ASCENDING"},
        "MaxResults": 100,
    }
    if token:
        params["NextToken"] = token
    return params


class Throttle:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


def stubbed_connect(
    *pages: list[dict], start: datetime = START, end: datetime = END
) -> tuple[AwsConnect, Stubber, Throttle]:
    """An AwsConnect whose search_contacts answers `pages` in order, NextToken-chained."""
    client, stubber = stubbed("connect")
    for i, contacts in enumerate(pages):
        response: dict = {"Contacts": contacts, "TotalCount": sum(map(len, pages))}
        if i + 1 < len(pages):
            response["NextToken"] = f"page-{i + 2}"
        stubber.add_response(
            "search_contacts",
            response,
            search_params(f"page-{i + 1}" if i else None, start=start, end=end),
        )
    throttle = Throttle()
    return AwsConnect(client=client, throttle=throttle), stubber, throttle


@pytest.fixture
def s3(monkeypatch, settings):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    settings.AWS_REGION, settings.AWS_STORAGE_BUCKET_NAME = REGION, BUCKET
    settings.AICC_STORAGE, settings.CONNECT_RECORDINGS_PREFIX = "s3", PREFIX
    _client.client.cache_clear()
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield client
    _client.client.cache_clear()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.AICC_STORAGE = "local"
    return tmp_path


@pytest.fixture
def directory():
    general = QueueFactory(name="일반 문의", code="general", connect_queue_id="q-general-0001")
    billing = QueueFactory(name="요금", code="billing", connect_queue_id="q-billing-0002")
    kim = AgentFactory(connect_user_id="u-kim-0001")
    return general, billing, kim


def put(s3, key: str) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=demo_wav(0.1))


def use(monkeypatch, api: object) -> None:
    monkeypatch.setattr(connect_contacts, "get_connect", lambda: api)


# --- the adapter -------------------------------------------------------------------------------


def test_search_follows_next_token_with_one_throttle_token_per_page() -> None:
    api, stubber, throttle = stubbed_connect([answered(), ABANDONED_RAW], [IVR_RAW])
    with stubber:
        contacts = api.search_voice_contacts(start=START, end=END)
        stubber.assert_no_pending_responses()
    assert [c.contact_id for c in contacts] == [ANSWERED, ABANDONED, IVR_ONLY]
    assert throttle.calls == 2
    first = contacts[0]
    assert (first.queue_id, first.agent_id) == ("q-general-0001", "u-kim-0001")
    assert (
        first.initiated_at,
        first.enqueued_at,
        first.connected_to_agent_at,
        first.disconnected_at,
    ) == (at(10), at(11), at(12.5), at(20))
    assert first.reached_agent and not contacts[1].reached_agent
    assert (contacts[2].queue_id, contacts[2].enqueued_at) == (None, None)


def test_search_by_initiation_time_sends_that_range_and_sort() -> None:
    client, stubber = stubbed("connect")
    stubber.add_response(
        "search_contacts", {"Contacts": []}, search_params(time_range=SEARCH_INITIATION)
    )
    with stubber:
        assert (
            AwsConnect(client=client, throttle=lambda: None).search_voice_contacts(
                start=START, end=END, time_range=SEARCH_INITIATION
            )
            == []
        )


def test_search_throttled_by_connect_is_retryable() -> None:
    client, stubber = stubbed("connect")
    client_error(stubber, "search_contacts", "ThrottlingException", 429, search_params())
    with stubber, pytest.raises(IntegrationError) as caught:
        AwsConnect(client=client, throttle=lambda: None).search_voice_contacts(start=START, end=END)
    assert caught.value.retryable and caught.value.code == "ThrottlingException"


def test_recording_keys_follow_connects_layout_in_utc() -> None:
    kst = datetime(2026, 11, 27, 17, 59, tzinfo=ZoneInfo("Asia/Seoul"))
    assert recording_key("c-1", kst) == (
        "connect/aicc/CallRecordings/2026/11/27/c-1_20261127T08:59_UTC.wav"
    )


# --- the sync against AWS (Stubber + moto) ---------------------------------------------------


def test_voice_contacts_become_conversations_with_their_recordings(
    monkeypatch, s3, directory
) -> None:
    general, billing, kim = directory
    day = recording_key_prefix(ANSWERED, START.date())
    put(s3, f"{day}20261126T01:12_UTC.wav")  # an earlier (IVR) recording
    put(s3, f"{day}20261126T01:20_UTC.wav")
    put(s3, f"{day}20261126T01:20_UTC.json")  # not audio
    api, stubber, _throttle = stubbed_connect([answered(), ABANDONED_RAW, IVR_RAW])
    use(monkeypatch, api)

    with stubber:
        run = connect_contacts.connect_sync_voice_contacts(start=START, end=END)

    assert (run.status, run.created, run.updated, run.unchanged) == (SyncStatus.SUCCEEDED, 3, 0, 0)
    assert run.detail["recordings"] == 1 and run.detail["recordings_missing"] == 0
    call = Conversation.objects.get(connect_contact_id=ANSWERED)
    assert (call.channel, call.state, call.queue, call.agent) == (
        "voice",
        ConversationState.CLOSED,
        general,
        kim,
    )
    assert (
        call.started_at,
        call.queued_at,
        call.assigned_at,
        call.closed_at,
        call.abandoned_at,
    ) == (at(10), at(11), at(12.5), at(20), None)
    assert call.user_id == f"connect:{ANSWERED}"
    assert (call.recording.storage_key, call.recording.duration_seconds) == (
        f"{day}20261126T01:20_UTC.wav",
        450,
    )

    left = Conversation.objects.get(connect_contact_id=ABANDONED)
    assert (left.state, left.queue, left.agent, left.closed_at, left.abandoned_at) == (
        ConversationState.ABANDONED,
        billing,
        None,
        None,
        at(33),
    )
    ivr = Conversation.objects.get(connect_contact_id=IVR_ONLY)
    assert (ivr.state, ivr.queued_at, ivr.closed_at) == (ConversationState.CLOSED, None, at(41))
    assert CallRecording.objects.count() == 1


def test_a_second_run_over_the_same_window_changes_nothing(monkeypatch, s3, directory) -> None:
    put(s3, recording_key(ANSWERED, at(20)))
    api, stubber, _throttle = stubbed_connect([answered(), ABANDONED_RAW])
    use(monkeypatch, api)
    with stubber:
        connect_contacts.connect_sync_voice_contacts(start=START, end=END)
    before = list(Conversation.objects.order_by("pk").values())
    recording = CallRecording.objects.get()

    api, stubber, _throttle = stubbed_connect([answered(), ABANDONED_RAW])
    use(monkeypatch, api)
    with stubber:
        again = connect_contacts.connect_sync_voice_contacts(start=START, end=END)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert list(Conversation.objects.order_by("pk").values()) == before
    assert CallRecording.objects.get().updated_at == recording.updated_at


def test_an_agent_synced_later_is_linked_on_the_next_run(monkeypatch, s3, directory) -> None:
    api, stubber, _throttle = stubbed_connect([answered(agent_id="u-lee-0002")])
    use(monkeypatch, api)
    with stubber:
        connect_contacts.connect_sync_voice_contacts(start=START, end=END)
    assert Conversation.objects.get().agent is None

    lee = AgentFactory(connect_user_id="u-lee-0002")
    api, stubber, _throttle = stubbed_connect([answered(agent_id="u-lee-0002")])
    use(monkeypatch, api)
    with stubber:
        run = connect_contacts.connect_sync_voice_contacts(start=START, end=END)
    assert (run.updated, Conversation.objects.get().agent) == (1, lee)


def test_a_recording_filed_under_the_next_day_is_found(monkeypatch, s3, directory) -> None:
    late = answered() | {"DisconnectTimestamp": datetime(2026, 11, 26, 23, 59, 50, tzinfo=UTC)}
    put(s3, recording_key(ANSWERED, datetime(2026, 11, 27, 0, 0, 5, tzinfo=UTC)))
    api, stubber, _throttle = stubbed_connect([late])
    use(monkeypatch, api)
    with stubber:
        connect_contacts.connect_sync_voice_contacts(start=START, end=END)
    assert "/2026/11/27/" in CallRecording.objects.get().storage_key


@freeze_time("2026-11-26T03:00:00Z")
def test_a_recording_written_after_the_run_is_attached_by_a_later_run(
    monkeypatch, s3, directory
) -> None:
    api, stubber, _throttle = stubbed_connect([answered()])
    use(monkeypatch, api)
    with stubber:
        first = connect_contacts.connect_sync_voice_contacts(start=START, end=END)
    assert first.detail["recordings_missing"] == 1 and not CallRecording.objects.exists()

    put(s3, recording_key(ANSWERED, at(20)))
    # Hours later the contact is out of the search window; the S3 retry still finds it.
    nine = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    api, stubber, _throttle = stubbed_connect([], start=nine - timedelta(hours=2), end=nine)
    use(monkeypatch, api)
    with freeze_time(nine), stubber:
        later = connect_contacts.connect_sync_voice_contacts()
    assert later.detail["late_recordings"] == 1
    assert CallRecording.objects.get().conversation.connect_contact_id == ANSWERED


def test_a_failed_search_is_stored_on_the_run_and_writes_nothing(monkeypatch, s3) -> None:
    client, stubber = stubbed("connect")
    client_error(stubber, "search_contacts", "AccessDeniedException", 403, search_params())
    use(monkeypatch, AwsConnect(client=client, throttle=lambda: None))
    with stubber, pytest.raises(IntegrationError):
        connect_contacts.connect_sync_voice_contacts(start=START, end=END)
    from apps.integrations.models import SyncRun

    run = SyncRun.objects.get(kind=connect_contacts.SYNC_KIND)
    assert (run.status, run.error_code) == (SyncStatus.FAILED, "AccessDeniedException")
    assert not Conversation.objects.exists()


def test_only_one_voice_sync_runs_at_a_time(media) -> None:
    from django.core.cache import cache

    cache.add(connect_contacts.LOCK_KEY, 1, 60)
    with pytest.raises(IntegrationError) as caught:
        connect_contacts.connect_sync_voice_contacts(start=START, end=END)
    assert caught.value.retryable and caught.value.code == "SyncInProgress"


def test_s3_listing_pages_through_truncated_results() -> None:
    client, stubber = stubbed("s3")
    stubber.add_response(
        "list_objects_v2",
        {"Contents": [{"Key": "p/a.wav"}], "IsTruncated": True, "NextContinuationToken": "t2"},
        {"Bucket": BUCKET, "Prefix": "p/"},
    )
    stubber.add_response(
        "list_objects_v2",
        {"Contents": [{"Key": "p/b.wav"}], "IsTruncated": False},
        {"Bucket": BUCKET, "Prefix": "p/", "ContinuationToken": "t2"},
    )
    with stubber:
        assert AwsFiles(client=client, bucket=BUCKET).list_keys("p/") == ["p/a.wav", "p/b.wav"]


def test_local_listing_matches_a_prefix_that_ends_inside_a_file_name(tmp_path) -> None:
    files = LocalFiles(root=tmp_path)
    for key in (
        "r/2026/11/26/c-1_20261126T01:20_UTC.wav",
        "r/2026/11/26/c-10_x.wav",
        "r/2026/11/26/c-2_x.wav",
    ):
        files.upload(key=key, content=b"x", content_type="audio/wav")
    assert files.list_keys("r/2026/11/26/c-1_") == ["r/2026/11/26/c-1_20261126T01:20_UTC.wav"]
    assert files.list_keys("r/2026/11/27/c-1_") == []
    assert len(files.list_keys("r/")) == 3


# --- the offline twin ------------------------------------------------------------------------


def test_the_twin_returns_the_same_demo_calls_for_the_same_clock(media) -> None:
    clock = datetime(2026, 11, 26, 3, 30, tzinfo=UTC)
    twin = LocalConnect(clock=lambda: clock)
    first = twin.search_voice_contacts(start=START, end=END)
    second = LocalConnect(clock=lambda: clock).search_voice_contacts(start=START, end=END)
    assert first == second
    # Hours 01:00 and 02:00 are over; three calls each, oldest disconnect first.
    assert len(first) == 6
    assert [c.disconnected_at for c in first] == sorted(c.disconnected_at for c in first)
    assert [c.reached_agent for c in first[:3]] == [True, True, False]
    # The hour still running at the clock (03:00–04:00) has had no calls yet.
    assert twin.search_voice_contacts(start=at(120), end=at(180)) == []


def test_the_twin_filters_on_the_requested_timestamp(media) -> None:
    twin = LocalConnect(clock=lambda: END)
    # 01:05–01:10: the first call of 01:00 started then, but it ended at 01:11:25.
    assert twin.search_voice_contacts(start=at(5), end=at(10)) == []
    started = twin.search_voice_contacts(start=at(5), end=at(10), time_range=SEARCH_INITIATION)
    assert len(started) == 1


def test_the_twin_records_answered_calls_as_playable_wav_files(media) -> None:
    contacts = LocalConnect(clock=lambda: END).search_voice_contacts(start=START, end=END)
    files = LocalFiles()
    for contact in contacts:
        keys = files.list_keys(recording_key_prefix(contact.contact_id, START.date()))
        assert len(keys) == (1 if contact.reached_agent else 0)
    key = files.list_keys(recording_key_prefix(contacts[0].contact_id, START.date()))[0]
    with wave.open(io.BytesIO(files.read(key))) as audio:
        assert (audio.getnchannels(), audio.getframerate(), audio.getnframes()) == (2, 8000, 8000)


def test_the_twin_refuses_a_search_wider_than_two_weeks(media) -> None:
    with pytest.raises(IntegrationError):
        LocalConnect().search_voice_contacts(start=START - timedelta(days=15), end=END)


@freeze_time("2026-11-26T03:30:00Z")
def test_offline_sync_imports_the_demo_calls_linked_to_synced_queues_and_agents(media) -> None:
    connect_sync.connect_sync_directory()
    run = connect_contacts.connect_sync_voice_contacts()  # 01:30–03:30: five demo calls ended
    assert (run.created, run.detail["recordings"]) == (5, 3)
    calls = Conversation.objects.filter(channel="voice")
    assert calls.filter(state=ConversationState.ABANDONED, agent=None).count() == 2
    assert set(calls.exclude(agent=None).values_list("agent__connect_user_id", flat=True)) == {
        "u-kim-0001",
        "u-lee-0002",
    }
    for recording in CallRecording.objects.all():
        assert LocalFiles().read(recording.storage_key).startswith(b"RIFF")
    # The evaluation page's own playback path serves the twin's file.
    url = recording_playback_url(
        recording=CallRecording.objects.first(), user=UserFactory(), reason="QA"
    )
    played = recording_local_file(token=parse_qs(urlsplit(url).query)["token"][0])
    assert played is not None and played[0].startswith(b"RIFF") and played[1] == "audio/wav"
    assert connect_contacts.connect_sync_voice_contacts().created == 0


# --- task, schedule, command -------------------------------------------------------------------


@freeze_time("2026-11-26T03:30:00Z")
def test_the_task_runs_on_the_twin_only_when_local_sync_is_on(media, settings) -> None:
    settings.CONNECT_SYNC_LOCAL = False
    assert tasks.connect_sync_voice_contacts.delay().get() is None
    assert not Conversation.objects.exists()
    settings.CONNECT_SYNC_LOCAL = True
    summary = tasks.connect_sync_voice_contacts.delay().get()
    assert (summary["kind"], summary["status"], summary["created"]) == (
        connect_contacts.SYNC_KIND,
        SyncStatus.SUCCEEDED,
        5,
    )


def test_the_hourly_schedule_is_on_the_sync_queue() -> None:
    task = PeriodicTask.objects.get(task="integrations.connect_sync_voice_contacts")
    assert (task.queue, task.enabled, task.crontab.minute, task.crontab.hour) == (
        "sync",
        True,
        "20",
        "*",
    )


@freeze_time("2026-11-26T03:30:00Z")
def test_sync_connect_voice_step_reports_counts(media) -> None:
    out = StringIO()
    call_command("sync_connect", "--only", "queues,agents,voice", "--hours", "3", stdout=out)
    assert "voice… created 8" in out.getvalue()
    with pytest.raises(CommandError, match="--hours"):
        call_command("sync_connect", "--only", "voice", "--hours", "0", stdout=StringIO())
