"""JSON log lines with request and conversation ids, personal data masked; Sentry scrubbing."""

from __future__ import annotations

import io
import json
import logging
import re
from types import SimpleNamespace

import pytest
from django.test import Client

from aicc.logging import (
    ContextFilter,
    JsonFormatter,
    bind_conversation,
    log_context,
    request_id_var,
    sentry_before_send,
)
from apps.integrations.tasks import worker_probe

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    """JSON lines written through the production handler setup (settings.LOGGING)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


def test_each_record_is_one_json_object_with_pii_masked(log_lines) -> None:
    with log_context(request_id="req-1"):
        bind_conversation(42)
        logging.getLogger("apps.chat").warning(
            "고객 연락처 %s, 메일 %s", "010-1234-5678", "hong@example.com", extra={"seq": 3}
        )

    [line] = log_lines()
    assert line["level"] == "WARNING"
    assert line["logger"] == "apps.chat"
    assert line["request_id"] == "req-1"
    assert line["conversation_id"] == 42
    assert line["seq"] == 3
    assert "010-1234-5678" not in line["message"]
    assert "010-****-5678" in line["message"]
    assert "hong@example.com" not in line["message"]


def test_exceptions_are_masked_too(log_lines) -> None:
    try:
        raise ValueError("bad card 4111-1111-1111-1111")
    except ValueError:
        logging.getLogger("apps.chat").exception("failed")
    [line] = log_lines()
    assert "4111-1111-1111-1111" not in line["exception"]
    assert "ValueError" in line["exception"]


def test_the_request_id_is_taken_from_the_header_and_echoed(log_lines) -> None:
    response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="lb-7f3a")

    assert response["X-Request-ID"] == "lb-7f3a"
    [line] = [row for row in log_lines() if row["logger"] == "django.request"]
    assert line["request_id"] == "lb-7f3a"
    assert line["status_code"] == 404


def test_a_request_without_a_usable_id_gets_a_fresh_one() -> None:
    first = Client().get("/api/monitoring/health", HTTP_X_REQUEST_ID="bad id\r\nx")
    second = Client().get("/api/monitoring/health")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_celery_tasks_log_with_their_task_id_and_restore_the_request_ids(
    log_lines, monkeypatch
) -> None:
    seen = {}

    def probe(**kwargs):
        seen["request_id"] = request_id_var.get()
        return SimpleNamespace(effects=1)

    monkeypatch.setattr("apps.integrations.services.probe.worker_probe_run", probe)
    with log_context(request_id="outer"):
        result = worker_probe.delay("log-test")
        logging.getLogger("apps.x").warning("after the task")

    assert seen["request_id"] == result.id
    assert log_lines()[-1]["request_id"] == "outer"


def test_sentry_events_are_scrubbed() -> None:
    event = {
        "message": "call 010-9876-5432",
        "exception": {"values": [{"type": "ValueError", "value": "rrn 900101-1234567"}]},
        "breadcrumbs": {"values": [{"message": "mail hong@example.com"}]},
    }
    scrubbed = json.dumps(sentry_before_send(event, {}), ensure_ascii=False)
    assert "010-9876-5432" not in scrubbed
    assert "900101-1234567" not in scrubbed
    assert "hong@example.com" not in scrubbed
    assert "ValueError" in scrubbed


def test_desk_conversation_pages_log_their_conversation_id(log_lines, client_as_agent) -> None:
    client_as_agent.get("/desk/c/987654/", HTTP_X_REQUEST_ID="desk-1")
    lines = [row for row in log_lines() if row["request_id"] == "desk-1"]
    assert lines and all(row["conversation_id"] == 987654 for row in lines)
