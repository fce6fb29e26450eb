"""Amazon Connect: agents, queues, live and historical metrics, agent status, chat contacts.

AWS resources: the Connect instance `settings.CONNECT_INSTANCE_ID` (its ARN for metrics v2,
`settings.CONNECT_INSTANCE_ARN` or derived from a synced queue ARN) in `settings.AWS_REGION`,
and the chat contact flow `settings.CONNECT_CHAT_CONTACT_FLOW_ID` for escalations.
IAM actions: connect:ListUsers, connect:DescribeUser, connect:ListQueues,
connect:ListRoutingProfiles, connect:ListRoutingProfileQueues, connect:GetCurrentMetricData,
connect:GetCurrentUserData, connect:GetMetricDataV2, connect:ListAgentStatuses,
connect:PutUserStatus, connect:StartChatContact, connect:DescribeContact, connect:SearchContacts.

Call recordings are not fetched through Connect: Connect writes them to the S3 bucket and prefix
set in the instance's data storage settings, laid out as `recording_key()` builds them
(CONNECT_RECORDINGS_PREFIX, default `connect/aicc/CallRecordings`).

Connect throttles at 2 requests/s per account by default, so every call first takes a token
from the shared bucket (`services.ratelimit`); the current-metric calls have no boto3 paginator,
so all listings loop `NextToken` by hand. The dataclasses returned and the parsers building them
from the API's dicts are in connect_parse.py, shared with the offline twin: `LocalConnect`
(connect_local.py) returns the same dataclasses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from apps.integrations.aws import _client
from apps.integrations.aws.connect_parse import (
    CURRENT_METRICS,
    HISTORICAL_METRICS,
    AgentStatus,
    ChatContact,
    ConnectQueue,
    ConnectUser,
    ContactState,
    CurrentMetrics,
    IntervalMetrics,
    QueueMetrics,
    RoutingProfile,
    UserStatus,
    VoiceContact,
    parse_contact,
    parse_interval,
    parse_queue_metrics,
    parse_ts,
    parse_user,
    parse_user_data,
    parse_voice_contact,
)
from apps.integrations.aws.errors import wrap_client_error

logger = logging.getLogger(__name__)

CHANNELS = ["CHAT", "VOICE"]
PAGE_SIZE = 100  # also Connect's cap on queue ids per filter
TIME_ZONE = "Asia/Seoul"
# SearchContacts TimeRange types the portal uses: DISCONNECT finds contacts that have ended.
SEARCH_INITIATION = "INITIATION_TIMESTAMP"
SEARCH_DISCONNECT = "DISCONNECT_TIMESTAMP"
SEARCH_TIME_RANGES = (SEARCH_INITIATION, SEARCH_DISCONNECT)
DEFAULT_RECORDINGS_PREFIX = "connect/aicc/CallRecordings"


class ConnectApi(Protocol):
    def list_users(self) -> list[str]: ...
    def describe_user(self, user_id: str) -> ConnectUser: ...
    def list_queues(self) -> list[ConnectQueue]: ...
    def list_routing_profiles(self) -> list[RoutingProfile]: ...
    def list_routing_profile_queues(self, profile_id: str) -> list[str]: ...
    def get_current_metric_data(self, queue_ids: list[str]) -> CurrentMetrics: ...
    def get_current_user_data(self, queue_ids: list[str]) -> list[UserStatus]: ...
    def get_metric_data_v2(
        self,
        *,
        instance_arn: str,
        queue_ids: list[str],
        start: datetime,
        end: datetime,
        service_level_seconds: int,
    ) -> list[IntervalMetrics]: ...
    def list_agent_statuses(self) -> list[AgentStatus]: ...
    def put_user_status(self, user_id: str, agent_status_id: str) -> None: ...
    def start_chat_contact(
        self,
        *,
        contact_flow_id: str,
        display_name: str,
        attributes: dict[str, str],
        initial_message: str,
        client_token: str,
    ) -> ChatContact: ...
    def describe_contact(self, contact_id: str) -> ContactState: ...
    def search_voice_contacts(
        self,
        *,
        start: datetime,
        end: datetime,
        time_range: str = SEARCH_DISCONNECT,
    ) -> list[VoiceContact]: ...


# --- requests and recording keys -----------------------------------------------------------------


def recordings_prefix() -> str:
    return str(
        getattr(settings, "CONNECT_RECORDINGS_PREFIX", "") or DEFAULT_RECORDINGS_PREFIX
    ).strip("/")


def recording_key_prefix(contact_id: str, day: date) -> str:
    """Every recording of `contact_id` filed under `day` (UTC) starts with this key."""
    return f"{recordings_prefix()}/{day:%Y/%m/%d}/{contact_id}_"


def recording_key(contact_id: str, stamp: datetime) -> str:
    """The key Connect gives a recording: `<prefix>/YYYY/MM/DD/<id>_YYYYMMDDTHH:MM_UTC.wav`."""
    utc = stamp.astimezone(UTC)
    return f"{recording_key_prefix(contact_id, utc.date())}{utc:%Y%m%dT%H:%M}_UTC.wav"


def chunks(items: list[str], size: int = PAGE_SIZE) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def historical_metric_specs(service_level_seconds: int) -> list[dict]:
    threshold = [{"Comparison": "LT", "ThresholdValue": float(service_level_seconds)}]
    return [
        {"Name": name, "Threshold": threshold} if name == "SERVICE_LEVEL" else {"Name": name}
        for name in HISTORICAL_METRICS
    ]


# --- AWS -----------------------------------------------------------------------------------------


def _default_throttle() -> None:
    from apps.integrations.services.ratelimit import connect_bucket

    connect_bucket().acquire()


class AwsConnect:
    """boto3 Connect; every failure surfaces as IntegrationError (AccessDenied also logged)."""

    def __init__(self, client: Any | None = None, throttle: Callable[[], None] | None = None):
        self._client = client  # tests inject a Stubber-wrapped client
        self._throttle = throttle or _default_throttle

    @property
    def client(self) -> Any:
        return self._client or _client.client("connect")

    @property
    def instance_id(self) -> str:
        return settings.CONNECT_INSTANCE_ID

    def _call(self, operation: str, **params: Any) -> dict:
        self._throttle()
        try:
            return getattr(self.client, operation)(**params)
        except (ClientError, BotoCoreError) as exc:
            error = wrap_client_error(exc)
            if not error.retryable:
                logger.error("connect %s failed: %s %s", operation, error.code, error.message)
            raise error from exc

    def _pages(self, operation: str, key: str, **params: Any) -> Iterator[dict]:
        token = None
        while True:
            page = self._call(operation, **params, **({"NextToken": token} if token else {}))
            yield from page.get(key) or []
            token = page.get("NextToken")
            if not token:
                return

    def list_users(self) -> list[str]:
        pages = self._pages(
            "list_users", "UserSummaryList", InstanceId=self.instance_id, MaxResults=PAGE_SIZE
        )
        return [user["Id"] for user in pages]

    def describe_user(self, user_id: str) -> ConnectUser:
        raw = self._call("describe_user", UserId=user_id, InstanceId=self.instance_id)
        return parse_user(raw["User"])

    def list_queues(self) -> list[ConnectQueue]:
        pages = self._pages(
            "list_queues",
            "QueueSummaryList",
            InstanceId=self.instance_id,
            QueueTypes=["STANDARD"],
            MaxResults=PAGE_SIZE,
        )
        return [ConnectQueue(q["Id"], q["Arn"], q["Name"]) for q in pages]

    def list_routing_profiles(self) -> list[RoutingProfile]:
        pages = self._pages(
            "list_routing_profiles",
            "RoutingProfileSummaryList",
            InstanceId=self.instance_id,
            MaxResults=PAGE_SIZE,
        )
        return [RoutingProfile(p["Id"], p["Arn"], p["Name"]) for p in pages]

    def list_routing_profile_queues(self, profile_id: str) -> list[str]:
        pages = self._pages(
            "list_routing_profile_queues",
            "RoutingProfileQueueConfigSummaryList",
            InstanceId=self.instance_id,
            RoutingProfileId=profile_id,
            MaxResults=PAGE_SIZE,
        )
        return sorted({q["QueueId"] for q in pages})

    def get_current_metric_data(self, queue_ids: list[str]) -> CurrentMetrics:
        metrics = [{"Name": name, "Unit": unit} for name, unit in CURRENT_METRICS]
        results: list[QueueMetrics] = []
        snapshot = None
        for chunk in chunks(queue_ids):
            token = None
            while True:
                page = self._call(
                    "get_current_metric_data",
                    InstanceId=self.instance_id,
                    Filters={"Queues": chunk, "Channels": CHANNELS},
                    Groupings=["QUEUE"],
                    CurrentMetrics=metrics,
                    MaxResults=PAGE_SIZE,
                    **({"NextToken": token} if token else {}),
                )
                results += [parse_queue_metrics(r) for r in page.get("MetricResults") or []]
                snapshot = parse_ts(page.get("DataSnapshotTime")) or snapshot
                token = page.get("NextToken")
                if not token:
                    break
        return CurrentMetrics(snapshot, results)

    def get_current_user_data(self, queue_ids: list[str]) -> list[UserStatus]:
        users: list[UserStatus] = []
        for chunk in chunks(queue_ids):
            pages = self._pages(
                "get_current_user_data",
                "UserDataList",
                InstanceId=self.instance_id,
                Filters={"Queues": chunk},
                MaxResults=PAGE_SIZE,
            )
            users += [parse_user_data(raw) for raw in pages]
        return users

    def get_metric_data_v2(
        self,
        *,
        instance_arn: str,
        queue_ids: list[str],
        start: datetime,
        end: datetime,
        service_level_seconds: int,
    ) -> list[IntervalMetrics]:
        results: list[IntervalMetrics] = []
        for chunk in chunks(queue_ids):
            pages = self._pages(
                "get_metric_data_v2",
                "MetricResults",
                ResourceArn=instance_arn,
                StartTime=start,
                EndTime=end,
                Interval={"TimeZone": TIME_ZONE, "IntervalPeriod": "HOUR"},
                Filters=[
                    {"FilterKey": "QUEUE", "FilterValues": chunk},
                    {"FilterKey": "CHANNEL", "FilterValues": CHANNELS},
                ],
                Groupings=["QUEUE"],
                Metrics=historical_metric_specs(service_level_seconds),
                MaxResults=PAGE_SIZE,
            )
            results += [parse_interval(raw) for raw in pages]
        return results

    def list_agent_statuses(self) -> list[AgentStatus]:
        pages = self._pages(
            "list_agent_statuses",
            "AgentStatusSummaryList",
            InstanceId=self.instance_id,
            MaxResults=PAGE_SIZE,
        )
        return [AgentStatus(s["Id"], s["Name"], s["Type"]) for s in pages]

    def put_user_status(self, user_id: str, agent_status_id: str) -> None:
        self._call(
            "put_user_status",
            UserId=user_id,
            InstanceId=self.instance_id,
            AgentStatusId=agent_status_id,
        )

    def start_chat_contact(
        self,
        *,
        contact_flow_id: str,
        display_name: str,
        attributes: dict[str, str],
        initial_message: str,
        client_token: str,
    ) -> ChatContact:
        raw = self._call(
            "start_chat_contact",
            InstanceId=self.instance_id,
            ContactFlowId=contact_flow_id,
            Attributes=attributes,
            ParticipantDetails={"DisplayName": display_name},
            InitialMessage={"ContentType": "text/plain", "Content": initial_message},
            ClientToken=client_token,
            SupportedMessagingContentTypes=["text/plain"],
        )
        return ChatContact(raw["ContactId"], raw["ParticipantId"], raw["ParticipantToken"])

    def describe_contact(self, contact_id: str) -> ContactState:
        raw = self._call("describe_contact", InstanceId=self.instance_id, ContactId=contact_id)
        return parse_contact(raw["Contact"])

    def search_voice_contacts(
        self,
        *,
        start: datetime,
        end: datetime,
        time_range: str = SEARCH_DISCONNECT,
    ) -> list[VoiceContact]:
        """Voice contacts whose `time_range` timestamp falls in [start, end), oldest first.

        Sorted on the same timestamp so the pages stay stable while new contacts arrive; every
        page is one throttled call.
        """
        if time_range not in SEARCH_TIME_RANGES:
            raise ValueError(f"unsupported time range type: {time_range}")
        pages = self._pages(
            "search_contacts",
            "Contacts",
            InstanceId=self.instance_id,
            TimeRange={"Type": time_range, "StartTime": start, "EndTime": end},
            SearchCriteria={"Channels": ["VOICE"]},
            Sort={"FieldName": time_range, "Order": "ASCENDING"},
            MaxResults=PAGE_SIZE,
        )
        return [parse_voice_contact(raw) for raw in pages if raw.get("Channel", "VOICE") == "VOICE"]


def get_connect() -> ConnectApi:
    """AwsConnect when `AICC_AWS_BACKEND == "aws"`, else the process-wide local twin."""
    if settings.AICC_AWS_BACKEND == "aws":
        return AwsConnect()
    from apps.integrations.aws.connect_local import local_connect

    return local_connect()
