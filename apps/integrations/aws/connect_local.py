"""LocalConnect: the offline twin of AwsConnect (no AWS resources, no IAM).

Seeded from fixtures/connect.json, which holds raw Connect responses; both implementations parse
them with the same functions, so the contract tests can hold them to the same results. State
(agent statuses, chat contacts) lives in memory for the life of the process.

Voice contacts: every finished hour of the clock has the same three demo calls (two answered,
one abandoned in the queue), with ids derived from the hour, so a search is deterministic for a
given clock and re-running a sync finds the same contacts. Like Connect, the twin "records" the
answered calls: a one-second stereo WAV (8 kHz, 16-bit, as Connect writes them) is put in the
local file store at the key Connect would use, so the QA page can play it offline.
"""

from __future__ import annotations

import functools
import io
import json
import math
import struct
import uuid
import wave
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apps.integrations.aws.connect import (
    SEARCH_DISCONNECT,
    SEARCH_INITIATION,
    SEARCH_TIME_RANGES,
    recording_key,
)
from apps.integrations.aws.connect_parse import (
    AgentStatus,
    ChatContact,
    ConnectQueue,
    ConnectUser,
    ContactState,
    CurrentMetrics,
    IntervalMetrics,
    RoutingProfile,
    UserStatus,
    VoiceContact,
    parse_queue_metrics,
    parse_ts,
    parse_user,
    parse_user_data,
    parse_voice_contact,
)
from apps.integrations.aws.errors import IntegrationError

FIXTURE = Path(__file__).parent / "fixtures" / "connect.json"


def load_fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


# Demo calls of each hour, as (seconds after the hour) for initiation, enqueue, agent connect and
# disconnect, with the Connect queue and user: answered, answered after a longer wait, abandoned.
VOICE_DEMO_CALLS: list[tuple[int, int, int | None, int, str, str | None]] = [
    (5 * 60, 5 * 60 + 40, 6 * 60 + 10, 11 * 60 + 25, "q-general-0001", "u-kim-0001"),
    (22 * 60, 22 * 60 + 30, 24 * 60 + 5, 31 * 60 + 50, "q-billing-0002", "u-lee-0002"),
    (41 * 60, 41 * 60 + 20, None, 43 * 60 + 10, "q-retention-0003", None),
]
MAX_SEARCH_DAYS = 14  # keeps the twin bounded; a demo or a backfill needs no more


def _not_found(what: str) -> IntegrationError:
    return IntegrationError(f"{what} not found", retryable=False, code="ResourceNotFoundException")


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def demo_voice_raw(hour: datetime) -> list[dict[str, Any]]:
    """The demo calls of the hour starting at `hour`, as raw ContactSearchSummary dicts."""

    def at(seconds: int) -> str:
        return _iso(hour + timedelta(seconds=seconds))

    contacts = []
    for n, (init, enqueue, connected, disconnect, queue_id, user_id) in enumerate(VOICE_DEMO_CALLS):
        raw: dict[str, Any] = {
            "Id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"aicc-local-voice:{hour:%Y%m%dT%H}:{n}")),
            "Channel": "VOICE",
            "InitiationMethod": "INBOUND",
            "InitiationTimestamp": at(init),
            "DisconnectTimestamp": at(disconnect),
            "QueueInfo": {"Id": queue_id, "EnqueueTimestamp": at(enqueue)},
        }
        if connected is not None and user_id is not None:
            raw["AgentInfo"] = {"Id": user_id, "ConnectedToAgentTimestamp": at(connected)}
        contacts.append(raw)
    return contacts


def demo_wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A short stereo tone (customer left, agent right, as Connect records): deterministic."""
    frames = bytearray()
    for i in range(int(seconds * rate)):
        left = int(6000 * math.sin(2 * math.pi * 440 * i / rate))
        right = int(6000 * math.sin(2 * math.pi * 660 * i / rate))
        frames += struct.pack("<hh", left, right)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return buffer.getvalue()


def _store_recording(contact: VoiceContact) -> None:
    from apps.integrations.aws.s3 import LocalFiles

    assert contact.disconnected_at is not None
    files = LocalFiles()
    key = recording_key(contact.contact_id, contact.disconnected_at)
    if not files.list_keys(key):
        files.upload(key=key, content=demo_wav(), content_type="audio/wav")


class LocalConnect:
    def __init__(
        self,
        data: dict[str, Any] | None = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.data = data or load_fixture()
        self.clock = clock
        self.user_status: dict[str, str] = {}
        self.contacts: dict[str, dict[str, Any]] = {}

    @property
    def instance_arn(self) -> str:
        return self.data["instance_arn"]

    def list_users(self) -> list[str]:
        return [user["Id"] for user in self.data["users"]]

    def describe_user(self, user_id: str) -> ConnectUser:
        for raw in self.data["users"]:
            if raw["Id"] == user_id:
                return parse_user(raw)
        raise _not_found(f"user {user_id}")

    def list_queues(self) -> list[ConnectQueue]:
        return [ConnectQueue(q["Id"], q["Arn"], q["Name"]) for q in self.data["queues"]]

    def list_routing_profiles(self) -> list[RoutingProfile]:
        return [RoutingProfile(p["Id"], p["Arn"], p["Name"]) for p in self.data["routing_profiles"]]

    def list_routing_profile_queues(self, profile_id: str) -> list[str]:
        for profile in self.data["routing_profiles"]:
            if profile["Id"] == profile_id:
                return sorted(profile["Queues"])
        raise _not_found(f"routing profile {profile_id}")

    def get_current_metric_data(self, queue_ids: list[str]) -> CurrentMetrics:
        wanted = set(queue_ids)
        results = [
            parse_queue_metrics(raw)
            for raw in self.data["current_metrics"]
            if raw["Dimensions"]["Queue"]["Id"] in wanted
        ]
        return CurrentMetrics(parse_ts(self.data["data_snapshot_time"]), results)

    def get_current_user_data(self, queue_ids: list[str]) -> list[UserStatus]:
        return [parse_user_data(raw) for raw in self.data["user_data"]]

    def get_metric_data_v2(
        self,
        *,
        instance_arn: str,
        queue_ids: list[str],
        start: datetime,
        end: datetime,
        service_level_seconds: int,
    ) -> list[IntervalMetrics]:
        # Every hour of the window gets the fixture's values: deterministic, nulls included.
        results = []
        hour = start
        while hour < end:
            for queue_id in queue_ids:
                if queue_id in self.data["historical"]:
                    values = dict(self.data["historical"][queue_id])
                    end_hour = hour + timedelta(hours=1)
                    results.append(IntervalMetrics(queue_id, hour, end_hour, values))
            hour += timedelta(hours=1)
        return results

    def list_agent_statuses(self) -> list[AgentStatus]:
        return [AgentStatus(s["Id"], s["Name"], s["Type"]) for s in self.data["agent_statuses"]]

    def put_user_status(self, user_id: str, agent_status_id: str) -> None:
        if agent_status_id not in {s["Id"] for s in self.data["agent_statuses"]}:
            raise _not_found(f"agent status {agent_status_id}")
        self.describe_user(user_id)
        self.user_status[user_id] = agent_status_id

    def start_chat_contact(
        self,
        *,
        contact_flow_id: str,
        display_name: str,
        attributes: dict[str, str],
        initial_message: str,
        client_token: str,
    ) -> ChatContact:
        # Like Connect, the same ClientToken returns the same contact instead of a second one.
        contact_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"aicc-local-contact:{client_token}"))
        self.contacts.setdefault(
            contact_id,
            {
                "attributes": dict(attributes),
                "agent_id": None,
                "connected_at": None,
                "disconnected_at": None,
            },
        )
        participant = str(uuid.uuid5(uuid.NAMESPACE_URL, f"participant:{contact_id}"))
        return ChatContact(contact_id, participant, f"local-token-{participant}")

    def describe_contact(self, contact_id: str) -> ContactState:
        contact = self.contacts.get(contact_id)
        if contact is None:
            raise _not_found(f"contact {contact_id}")
        return ContactState(
            contact_id, contact["agent_id"], contact["connected_at"], contact["disconnected_at"]
        )

    def search_voice_contacts(
        self,
        *,
        start: datetime,
        end: datetime,
        time_range: str = SEARCH_DISCONNECT,
    ) -> list[VoiceContact]:
        if time_range not in SEARCH_TIME_RANGES:
            raise ValueError(f"unsupported time range type: {time_range}")
        if end - start > timedelta(days=MAX_SEARCH_DAYS):
            raise IntegrationError(
                "time range too wide", retryable=False, code="InvalidParameterException"
            )
        field = "InitiationTimestamp" if time_range == SEARCH_INITIATION else "DisconnectTimestamp"
        # Only hours that are over by the twin's clock have had their calls.
        over = self.clock().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
        matched: list[tuple[datetime, VoiceContact]] = []
        while hour < over and hour < end:
            for raw in demo_voice_raw(hour):
                stamp = parse_ts(raw[field])
                if stamp is not None and start <= stamp < end:
                    matched.append((stamp, parse_voice_contact(raw)))
            hour += timedelta(hours=1)
        found = [contact for _stamp, contact in sorted(matched, key=lambda pair: pair[0])]
        for contact in found:
            if contact.reached_agent:
                _store_recording(contact)
        return found

    # Demo and test helpers: what an agent in the Connect CCP would do.
    def connect_agent(self, contact_id: str, user_id: str, at: datetime) -> None:
        self.contacts[contact_id].update(agent_id=user_id, connected_at=at)

    def end_contact(self, contact_id: str, at: datetime) -> None:
        self.contacts[contact_id]["disconnected_at"] = at


@functools.cache
def local_connect() -> LocalConnect:
    """One twin per process, so state set by one call is seen by the next."""
    return LocalConnect()
