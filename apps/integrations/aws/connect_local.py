"""LocalConnect: the offline twin of AwsConnect (no AWS resources, no IAM).

Seeded from fixtures/connect.json, which holds raw Connect responses; both implementations parse
them with the same functions, so the contract tests can hold them to the same results. State
(agent statuses, chat contacts) lives in memory for the life of the process.
"""

from __future__ import annotations

import functools
import json
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from apps.integrations.aws.connect import (
    AgentStatus,
    ChatContact,
    ConnectQueue,
    ConnectUser,
    ContactState,
    CurrentMetrics,
    IntervalMetrics,
    RoutingProfile,
    UserStatus,
    parse_queue_metrics,
    parse_ts,
    parse_user,
    parse_user_data,
)
from apps.integrations.aws.errors import IntegrationError

FIXTURE = Path(__file__).parent / "fixtures" / "connect.json"


def load_fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _not_found(what: str) -> IntegrationError:
    return IntegrationError(f"{what} not found", retryable=False, code="ResourceNotFoundException")


class LocalConnect:
    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data = data or load_fixture()
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
            parse_queue_metrics(raw) for raw in self.data["current_metrics"]
            if raw["Dimensions"]["Queue"]["Id"] in wanted
        ]
        return CurrentMetrics(parse_ts(self.data["data_snapshot_time"]), results)

    def get_current_user_data(self, queue_ids: list[str]) -> list[UserStatus]:
        return [parse_user_data(raw) for raw in self.data["user_data"]]

    def get_metric_data_v2(
        self, *, instance_arn: str, queue_ids: list[str], start: datetime, end: datetime,
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
        self, *, contact_flow_id: str, display_name: str, attributes: dict[str, str],
        initial_message: str, client_token: str,
    ) -> ChatContact:
        # Like Connect, the same ClientToken returns the same contact instead of a second one.
        contact_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"aicc-local-contact:{client_token}"))
        self.contacts.setdefault(
            contact_id, {"attributes": dict(attributes), "agent_id": None, "connected_at": None,
                         "disconnected_at": None},
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

    # Demo and test helpers: what an agent in the Connect CCP would do.
    def connect_agent(self, contact_id: str, user_id: str, at: datetime) -> None:
        self.contacts[contact_id].update(agent_id=user_id, connected_at=at)

    def end_contact(self, contact_id: str, at: datetime) -> None:
        self.contacts[contact_id]["disconnected_at"] = at


@functools.cache
def local_connect() -> LocalConnect:
    """One twin per process, so state set by one call is seen by the next."""
    return LocalConnect()
