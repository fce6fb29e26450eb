"""AwsConnect (botocore Stubber) and LocalConnect held to the same contract.

Each AWS call's exact request is pinned through `expected_params`; the local twin runs the same
assertions with the expectations ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.integrations.aws.connect import AwsConnect, historical_metric_specs
from apps.integrations.aws.connect_local import LocalConnect
from apps.integrations.aws.connect_parse import CURRENT_METRICS, ConnectQueue, UserStatus
from apps.integrations.aws.errors import IntegrationError
from tests.integrations.connect_stubs import (
    DATA,
    INSTANCE_ID,
    client_error,
    profile_queue,
    profile_summary,
    queue_summary,
    stubbed,
    user_summary,
)

QUEUE_IDS = [q["Id"] for q in DATA["queues"]]
CURRENT = [{"Name": n, "Unit": u} for n, u in CURRENT_METRICS]
START = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
END = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _instance(settings):
    settings.CONNECT_INSTANCE_ID = INSTANCE_ID


class Backend:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.throttled = 0
        if kind == "aws":
            client, self.stubber = stubbed("connect")
            self.api = AwsConnect(client, throttle=self._throttle)
            self.stubber.activate()
        else:
            self.api = LocalConnect()

    def _throttle(self) -> None:
        self.throttled += 1

    def expect(self, operation: str, response: dict, params: dict) -> None:
        if self.kind == "aws":
            self.stubber.add_response(operation, response, params)

    def done(self) -> None:
        if self.kind == "aws":
            self.stubber.assert_no_pending_responses()


@pytest.fixture(params=["aws", "local"])
def backend(request):
    backend = Backend(request.param)
    yield backend
    backend.done()


def test_it_lists_users_across_pages(backend) -> None:
    users = DATA["users"]
    base = {"InstanceId": INSTANCE_ID, "MaxResults": 100}
    backend.expect(
        "list_users",
        {"UserSummaryList": [user_summary(u) for u in users[:2]], "NextToken": "page-2"},
        base,
    )
    backend.expect(
        "list_users", {"UserSummaryList": [user_summary(users[2])]}, {**base, "NextToken": "page-2"}
    )
    assert backend.api.list_users() == ["u-kim-0001", "u-lee-0002", "u-park-0003"]


def test_it_describes_a_user(backend) -> None:
    backend.expect(
        "describe_user",
        {"User": DATA["users"][0]},
        {"UserId": "u-kim-0001", "InstanceId": INSTANCE_ID},
    )
    user = backend.api.describe_user("u-kim-0001")
    assert (user.username, user.display_name, user.routing_profile_id) == (
        "agent.kim",
        "김민수",
        "rp-basic-0001",
    )


def test_it_lists_queues_and_routing_profiles(backend) -> None:
    backend.expect(
        "list_queues",
        {"QueueSummaryList": [queue_summary(q) for q in DATA["queues"]]},
        {"InstanceId": INSTANCE_ID, "QueueTypes": ["STANDARD"], "MaxResults": 100},
    )
    profiles = DATA["routing_profiles"]
    backend.expect(
        "list_routing_profiles",
        {"RoutingProfileSummaryList": [profile_summary(p) for p in profiles]},
        {"InstanceId": INSTANCE_ID, "MaxResults": 100},
    )
    backend.expect(
        "list_routing_profile_queues",
        {"RoutingProfileQueueConfigSummaryList": [profile_queue(q) for q in profiles[0]["Queues"]]},
        {"InstanceId": INSTANCE_ID, "RoutingProfileId": "rp-basic-0001", "MaxResults": 100},
    )
    queues = backend.api.list_queues()
    assert queues[0] == ConnectQueue("q-general-0001", DATA["queues"][0]["Arn"], "일반 문의")
    assert [p.name for p in backend.api.list_routing_profiles()] == ["기본 상담", "전문 상담"]
    assert backend.api.list_routing_profile_queues("rp-basic-0001") == [
        "q-billing-0002",
        "q-general-0001",
    ]


def test_it_pages_current_metrics_and_keeps_missing_values_as_none(backend) -> None:
    results = DATA["current_metrics"]
    request = {
        "InstanceId": INSTANCE_ID,
        "Filters": {"Queues": QUEUE_IDS, "Channels": ["CHAT", "VOICE"]},
        "Groupings": ["QUEUE"],
        "CurrentMetrics": CURRENT,
        "MaxResults": 100,
    }
    snapshot = DATA["data_snapshot_time"]
    backend.expect(
        "get_current_metric_data",
        {
            "MetricResults": results[:2],
            "NextToken": "t2",
            "DataSnapshotTime": snapshot,
            "ApproximateTotalCount": 3,
        },
        request,
    )
    backend.expect(
        "get_current_metric_data",
        {"MetricResults": results[2:], "DataSnapshotTime": snapshot, "ApproximateTotalCount": 3},
        {**request, "NextToken": "t2"},
    )
    current = backend.api.get_current_metric_data(QUEUE_IDS)
    by_queue = {q.queue_id: q.values for q in current.queues}
    assert current.snapshot_time == datetime(2026, 11, 26, 1, 15, tzinfo=UTC)
    assert by_queue["q-general-0001"]["CONTACTS_IN_QUEUE"] == 3.0
    assert by_queue["q-billing-0002"]["OLDEST_CONTACT_AGE"] is None  # no value, not 0
    assert by_queue["q-billing-0002"]["CONTACTS_IN_QUEUE"] == 0.0  # a real zero stays zero
    assert by_queue["q-retention-0003"]["AGENTS_AFTER_CONTACT_WORK"] is None


def test_it_reads_current_user_data(backend) -> None:
    backend.expect(
        "get_current_user_data",
        {"UserDataList": DATA["user_data"], "ApproximateTotalCount": 3},
        {"InstanceId": INSTANCE_ID, "Filters": {"Queues": QUEUE_IDS}, "MaxResults": 100},
    )
    assert backend.api.get_current_user_data(QUEUE_IDS) == [
        UserStatus("u-kim-0001", "Available", 2),
        UserStatus("u-lee-0002", "Lunch", 0),
        UserStatus("u-park-0003", "Offline", 0),
    ]


def test_it_asks_metrics_v2_with_instance_arn_filters_and_sla_threshold(backend) -> None:
    arn = DATA["instance_arn"]
    queue_ids = QUEUE_IDS[:2]
    request = {
        "ResourceArn": arn,
        "StartTime": START,
        "EndTime": END,
        "Interval": {"TimeZone": "Asia/Seoul", "IntervalPeriod": "HOUR"},
        "Filters": [
            {"FilterKey": "QUEUE", "FilterValues": queue_ids},
            {"FilterKey": "CHANNEL", "FilterValues": ["CHAT", "VOICE"]},
        ],
        "Groupings": ["QUEUE"],
        "MaxResults": 100,
        "Metrics": historical_metric_specs(20),
    }
    assert request["Metrics"][0] == {
        "Name": "SERVICE_LEVEL",
        "Threshold": [{"Comparison": "LT", "ThresholdValue": 20.0}],
    }

    def result(queue_id: str) -> dict:
        values = DATA["historical"][queue_id]
        collections = [
            {
                "Metric": spec,
                **({"Value": values[spec["Name"]]} if values[spec["Name"]] is not None else {}),
            }
            for spec in historical_metric_specs(20)
        ]
        return {
            "Dimensions": {"QUEUE": queue_id},
            "MetricInterval": {"Interval": "HOUR", "StartTime": START, "EndTime": END},
            "Collections": collections,
        }

    backend.expect(
        "get_metric_data_v2", {"MetricResults": [result(queue_ids[0])], "NextToken": "n2"}, request
    )
    backend.expect(
        "get_metric_data_v2",
        {"MetricResults": [result(queue_ids[1])]},
        {**request, "NextToken": "n2"},
    )
    rows = backend.api.get_metric_data_v2(
        instance_arn=arn, queue_ids=queue_ids, start=START, end=END, service_level_seconds=20
    )
    assert [(r.queue_id, r.start, r.end) for r in rows] == [
        ("q-general-0001", START, END),
        ("q-billing-0002", START, END),
    ]
    assert rows[0].values["SERVICE_LEVEL"] == 86.5
    assert rows[1].values["CONTACTS_ABANDONED"] == 0.0


def test_it_sets_a_user_status_by_id(backend) -> None:
    statuses = DATA["agent_statuses"]
    backend.expect(
        "list_agent_statuses",
        {"AgentStatusSummaryList": statuses},
        {"InstanceId": INSTANCE_ID, "MaxResults": 100},
    )
    backend.expect(
        "put_user_status",
        {},
        {"UserId": "u-kim-0001", "InstanceId": INSTANCE_ID, "AgentStatusId": "st-lunch"},
    )
    names = {s.name: s.id for s in backend.api.list_agent_statuses()}
    assert names == {"Available": "st-available", "Lunch": "st-lunch", "Offline": "st-offline"}
    backend.api.put_user_status("u-kim-0001", names["Lunch"])


def test_it_starts_a_chat_contact_with_attributes(backend) -> None:
    local = LocalConnect().start_chat_contact(
        contact_flow_id="f",
        display_name="x",
        attributes={},
        initial_message="x",
        client_token="aicc-conversation-7",
    )
    attributes = {"aicc_intent": "bill_payment", "aicc_transcript": "고객: 요금 문의"}
    backend.expect(
        "start_chat_contact",
        {
            "ContactId": local.contact_id,
            "ParticipantId": local.participant_id,
            "ParticipantToken": local.participant_token,
        },
        {
            "InstanceId": INSTANCE_ID,
            "ContactFlowId": "flow-1",
            "Attributes": attributes,
            "ParticipantDetails": {"DisplayName": "고객 u1"},
            "InitialMessage": {"ContentType": "text/plain", "Content": "연결 요청"},
            "ClientToken": "aicc-conversation-7",
            "SupportedMessagingContentTypes": ["text/plain"],
        },
    )
    backend.expect(
        "describe_contact",
        {"Contact": {"Id": local.contact_id, "Channel": "CHAT", "InitiationMethod": "API"}},
        {"InstanceId": INSTANCE_ID, "ContactId": local.contact_id},
    )
    contact = backend.api.start_chat_contact(
        contact_flow_id="flow-1",
        display_name="고객 u1",
        attributes=attributes,
        initial_message="연결 요청",
        client_token="aicc-conversation-7",
    )
    assert contact == local
    state = backend.api.describe_contact(contact.contact_id)
    assert (state.agent_id, state.connected_to_agent_at, state.disconnected_at) == (
        None,
        None,
        None,
    )


def test_aws_takes_a_rate_limit_token_per_request() -> None:
    backend = Backend("aws")
    backend.expect(
        "list_agent_statuses",
        {"AgentStatusSummaryList": []},
        {"InstanceId": INSTANCE_ID, "MaxResults": 100},
    )
    backend.expect(
        "list_routing_profiles",
        {"RoutingProfileSummaryList": []},
        {"InstanceId": INSTANCE_ID, "MaxResults": 100},
    )
    assert backend.api.list_agent_statuses() == []
    assert backend.api.list_routing_profiles() == []
    assert backend.throttled == 2
    backend.done()


def test_throttling_is_retryable() -> None:
    backend = Backend("aws")
    client_error(
        backend.stubber,
        "list_queues",
        "ThrottlingException",
        429,
        {"InstanceId": INSTANCE_ID, "QueueTypes": ["STANDARD"], "MaxResults": 100},
    )
    with pytest.raises(IntegrationError) as caught:
        backend.api.list_queues()
    assert (caught.value.retryable, caught.value.code) == (True, "ThrottlingException")


def test_access_denied_is_permanent_and_logged(caplog) -> None:
    backend = Backend("aws")
    client_error(
        backend.stubber,
        "describe_user",
        "AccessDeniedException",
        403,
        {"UserId": "u-1", "InstanceId": INSTANCE_ID},
    )
    with pytest.raises(IntegrationError) as caught:
        backend.api.describe_user("u-1")
    assert (caught.value.retryable, caught.value.code) == (False, "AccessDeniedException")
    assert "describe_user failed: AccessDeniedException" in caplog.text
