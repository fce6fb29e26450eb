"""The OpenAPI document: links from a chat answer to the session's operations."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def _schema(client: Client) -> dict:
    return client.get("/api/schema/", {"format": "json"}).json()


def _operation_ids(schema: dict) -> set[str]:
    return {op["operationId"] for item in schema["paths"].values() for op in item.values()}


def test_the_chat_answer_links_to_every_session_operation(client: Client) -> None:
    schema = _schema(client)

    links = schema["paths"]["/api/chatbot/chat"]["post"]["responses"]["200"]["links"]

    assert {link["operationId"] for link in links.values()} == {
        "chat_send",
        "chat_history",
        "chat_escalate",
        "chat_feedback",
        "chat_csat",
    }
    assert {link["operationId"] for link in links.values()} <= _operation_ids(schema)
    assert links["History"]["parameters"]["path.session_id"] == "$response.body#/session_id"
    assert links["Feedback"]["requestBody"]["seq"] == "$response.body#/reply_seq"


def _fuzz_script():
    spec = importlib.util.spec_from_file_location("fuzz_api", ROOT / "scripts" / "fuzz_api.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("codes", "reached"),
    [
        ({200: 3, 404: 9}, True),
        ({409: 1, 400: 5}, True),
        ({400: 5, 401: 5, 403: 5, 404: 5}, False),
        ({}, False),
    ],
)
def test_fuzzing_counts_an_operation_reached_only_past_its_front_door(codes, reached) -> None:
    fuzz = _fuzz_script()

    missed = fuzz.unreached({"POST /x": Counter(codes)}, ["POST /x"])

    assert (missed == []) is reached


def test_fuzz_report_reader_counts_statuses_per_operation(tmp_path: Path) -> None:
    fuzz = _fuzz_script()
    recorder = {
        "cases": {
            "a": {"value": {"method": "GET", "path": "/api/x/{id}"}},
            "b": {"value": {"method": "GET", "path": "/api/x/{id}"}},
        },
        "interactions": {
            "a": {"response": {"status_code": 200}},
            "b": {"response": {"status_code": 404}},
        },
    }
    report = tmp_path / "events.ndjson"
    report.write_text(
        json.dumps({"ScenarioStarted": {}})
        + "\n"
        + json.dumps({"ScenarioFinished": {"recorder": recorder}})
        + "\n"
    )

    cases, statuses = fuzz.read_report(report)

    assert cases == 2
    assert statuses == {"GET /api/x/{id}": Counter({200: 1, 404: 1})}
