"""Amazon Connect's data as our dataclasses, and the parsers that build them from API shapes.

The parsers take the dicts boto3 returns (DescribeUser, GetCurrentMetricData, GetCurrentUserData,
GetMetricDataV2, DescribeContact, SearchContacts) and are shared by `AwsConnect` (connect.py)
and the offline twin (connect_local.py), whose fixtures have the same shapes. Pure functions: no
client, no settings. A metric Connect sends without a value is None, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

# (name, unit) — GetCurrentMetricData needs both.
CURRENT_METRICS = [
    ("CONTACTS_IN_QUEUE", "COUNT"),
    ("OLDEST_CONTACT_AGE", "SECONDS"),
    ("AGENTS_AVAILABLE", "COUNT"),
    ("AGENTS_ONLINE", "COUNT"),
    ("AGENTS_ON_CONTACT", "COUNT"),
    ("AGENTS_AFTER_CONTACT_WORK", "COUNT"),
]
HISTORICAL_METRICS = [
    "SERVICE_LEVEL",
    "AVG_HANDLE_TIME",
    "AVG_QUEUE_ANSWER_TIME",
    "CONTACTS_QUEUED",
    "CONTACTS_HANDLED",
    "CONTACTS_ABANDONED",
    "ABANDONMENT_RATE",
]


@dataclass(frozen=True)
class ConnectUser:
    id: str
    arn: str
    username: str
    first_name: str
    last_name: str
    email: str
    routing_profile_id: str

    @property
    def display_name(self) -> str:
        # Korean order: family name first, no space (김민수).
        return f"{self.last_name}{self.first_name}" or self.username


@dataclass(frozen=True)
class ConnectQueue:
    id: str
    arn: str
    name: str


@dataclass(frozen=True)
class RoutingProfile:
    id: str
    arn: str
    name: str


@dataclass(frozen=True)
class QueueMetrics:
    queue_id: str
    values: dict[str, float | None]


@dataclass(frozen=True)
class CurrentMetrics:
    snapshot_time: datetime | None
    queues: list[QueueMetrics]


@dataclass(frozen=True)
class UserStatus:
    user_id: str
    status_name: str
    active_contacts: int


@dataclass(frozen=True)
class IntervalMetrics:
    queue_id: str
    start: datetime
    end: datetime
    values: dict[str, float | None]


@dataclass(frozen=True)
class AgentStatus:
    id: str
    name: str
    type: str


@dataclass(frozen=True)
class ChatContact:
    contact_id: str
    participant_id: str
    participant_token: str


@dataclass(frozen=True)
class ContactState:
    contact_id: str
    agent_id: str | None
    connected_to_agent_at: datetime | None
    disconnected_at: datetime | None


@dataclass(frozen=True)
class VoiceContact:
    """One voice contact from SearchContacts (a ContactSearchSummary)."""

    contact_id: str
    initiation_method: str
    initiated_at: datetime
    disconnected_at: datetime | None
    queue_id: str | None
    enqueued_at: datetime | None
    agent_id: str | None
    connected_to_agent_at: datetime | None

    @property
    def reached_agent(self) -> bool:
        return self.connected_to_agent_at is not None


# --- parsing -------------------------------------------------------------------------------------


def parse_ts(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def parse_user(raw: dict) -> ConnectUser:
    info = raw.get("IdentityInfo") or {}
    return ConnectUser(
        id=raw["Id"],
        arn=raw.get("Arn", ""),
        username=raw.get("Username", ""),
        first_name=info.get("FirstName", ""),
        last_name=info.get("LastName", ""),
        email=info.get("Email", ""),
        routing_profile_id=raw.get("RoutingProfileId", ""),
    )


def _values(collections: list[dict], names: list[str]) -> dict[str, float | None]:
    # A metric missing from the collection, or present without "Value", has no data: None.
    found = {c["Metric"]["Name"]: c.get("Value") for c in collections}
    return {name: found.get(name) for name in names}


def parse_queue_metrics(raw: dict) -> QueueMetrics:
    names = [name for name, _unit in CURRENT_METRICS]
    queue_id = raw["Dimensions"]["Queue"]["Id"]
    return QueueMetrics(queue_id, _values(raw.get("Collections") or [], names))


def parse_user_data(raw: dict) -> UserStatus:
    status = raw.get("Status") or {}
    active = sum((raw.get("ActiveSlotsByChannel") or {}).values())
    return UserStatus(raw["User"]["Id"], status.get("StatusName", ""), int(active))


def parse_interval(raw: dict) -> IntervalMetrics:
    interval = raw["MetricInterval"]
    return IntervalMetrics(
        queue_id=raw["Dimensions"]["QUEUE"],
        start=parse_ts(interval["StartTime"]),  # type: ignore[arg-type]
        end=parse_ts(interval["EndTime"]),  # type: ignore[arg-type]
        values=_values(raw.get("Collections") or [], HISTORICAL_METRICS),
    )


def parse_contact(raw: dict) -> ContactState:
    agent = raw.get("AgentInfo") or {}
    return ContactState(
        contact_id=raw["Id"],
        agent_id=agent.get("Id"),
        connected_to_agent_at=parse_ts(agent.get("ConnectedToAgentTimestamp")),
        disconnected_at=parse_ts(raw.get("DisconnectTimestamp")),
    )


def parse_voice_contact(raw: dict) -> VoiceContact:
    queue = raw.get("QueueInfo") or {}
    agent = raw.get("AgentInfo") or {}
    return VoiceContact(
        contact_id=raw["Id"],
        initiation_method=raw.get("InitiationMethod", ""),
        initiated_at=parse_ts(raw["InitiationTimestamp"]),  # type: ignore[arg-type]
        disconnected_at=parse_ts(raw.get("DisconnectTimestamp")),
        queue_id=queue.get("Id") or None,
        enqueued_at=parse_ts(queue.get("EnqueueTimestamp")),
        agent_id=agent.get("Id") or None,
        connected_to_agent_at=parse_ts(agent.get("ConnectedToAgentTimestamp")),
    )
