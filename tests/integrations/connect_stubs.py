"""Stubber plumbing for the Connect and Lex-models adapters.

Responses are built from the local twins' fixtures (raw botocore shapes), so a test that holds
AwsConnect and LocalConnect to the same assertions compares like with like.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.session
from botocore.stub import Stubber

from apps.integrations.aws.connect_local import load_fixture

INSTANCE_ID = "local-instance"
DATA = load_fixture()
Expect = Callable[..., None]


def make_client(service: str) -> Any:
    return botocore.session.get_session().create_client(
        service,
        region_name="ap-northeast-2",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def stubbed(service: str) -> tuple[Any, Stubber]:
    client = make_client(service)
    return client, Stubber(client)


def user_summary(raw: dict) -> dict:
    return {"Id": raw["Id"], "Arn": raw["Arn"], "Username": raw["Username"]}


def queue_summary(raw: dict) -> dict:
    return {k: raw[k] for k in ("Id", "Arn", "Name", "QueueType")}


def profile_summary(raw: dict) -> dict:
    return {k: raw[k] for k in ("Id", "Arn", "Name")}


def profile_queue(queue_id: str) -> dict:
    queue = next(q for q in DATA["queues"] if q["Id"] == queue_id)
    return {
        "QueueId": queue_id,
        "QueueArn": queue["Arn"],
        "QueueName": queue["Name"],
        "Priority": 1,
        "Delay": 0,
        "Channel": "CHAT",
    }


def client_error(stubber: Stubber, operation: str, code: str, status: int, params: dict) -> None:
    stubber.add_client_error(
        operation,
        service_error_code=code,
        service_message=f"{code}!",
        http_status_code=status,
        expected_params=params,
    )
