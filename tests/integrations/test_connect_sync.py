from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User

from apps.agents.models import Agent, AgentState, Queue
from apps.integrations import tasks
from apps.integrations.aws.connect import AwsConnect
from apps.integrations.models import HistoricalMetric, QueueMetricSnapshot, SyncRun, SyncStatus
from apps.integrations.services import connect_sync
from tests.factories import AgentFactory, QueueFactory, UserFactory
from tests.integrations.connect_stubs import INSTANCE_ID, client_error, stubbed

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)


def _counts(run: SyncRun) -> tuple[int, int, int, int]:
    return run.created, run.updated, run.deleted, run.unchanged


def _state() -> list:
    queues = list(Queue.objects.order_by("pk").values())
    agents = [
        (a.pk, a.display_name, a.connect_user_id, sorted(a.queues.values_list("pk", flat=True)))
        for a in Agent.objects.order_by("pk")
    ]
    return [queues, agents, User.objects.count()]


def test_directory_sync_links_existing_rows_and_a_second_run_changes_nothing() -> None:
    general = QueueFactory(name="일반 문의", code="general")
    kim = AgentFactory(user=UserFactory(username="agent.kim"), display_name="김상담")

    queues_run, agents_run = connect_sync.connect_sync_directory()

    assert _counts(queues_run) == (2, 1, 0, 0)
    assert _counts(agents_run) == (2, 1, 0, 0)
    general.refresh_from_db()
    kim.refresh_from_db()
    assert general.connect_queue_id == "q-general-0001"
    assert general.connect_arn.endswith("/queue/q-general-0001")
    assert (kim.connect_user_id, kim.display_name) == ("u-kim-0001", "김민수")
    assert set(kim.queues.values_list("connect_queue_id", flat=True)) == {
        "q-general-0001",
        "q-billing-0002",
    }
    park = Agent.objects.get(connect_user_id="u-park-0003")
    assert park.queues.count() == 3 and not park.user.has_usable_password()

    before = _state()
    again = connect_sync.connect_sync_directory()
    assert [_counts(r) for r in again] == [(0, 0, 0, 3), (0, 0, 0, 3)]
    assert _state() == before


def test_queues_gone_from_connect_are_deactivated_once() -> None:
    QueueFactory(name="옛 큐", connect_queue_id="q-gone")
    assert connect_sync.connect_sync_queues().deleted == 1
    assert connect_sync.connect_sync_queues().deleted == 0
    assert not Queue.objects.get(connect_queue_id="q-gone").is_active


def test_live_metrics_store_nulls_mirror_agent_states_and_run_idempotently() -> None:
    connect_sync.connect_sync_directory()

    first = connect_sync.connect_sync_live_metrics()
    assert first.status == SyncStatus.SUCCEEDED and first.created == 3
    billing = QueueMetricSnapshot.objects.get(connect_queue_id="q-billing-0002")
    assert billing.values["OLDEST_CONTACT_AGE"] is None
    assert billing.values["CONTACTS_IN_QUEUE"] == 0.0
    assert billing.queue.name == "요금"
    states = dict(Agent.objects.values_list("connect_user_id", "state"))
    assert states == {
        "u-kim-0001": AgentState.BUSY,
        "u-lee-0002": AgentState.AWAY,
        "u-park-0003": AgentState.OFFLINE,
    }

    snapshot = list(QueueMetricSnapshot.objects.values("connect_queue_id", "values", "updated_at"))
    history = Agent.objects.get(connect_user_id="u-kim-0001").state_history.count()
    second = connect_sync.connect_sync_live_metrics()
    assert (second.created, second.updated) == (0, 0)
    assert (
        list(QueueMetricSnapshot.objects.values("connect_queue_id", "values", "updated_at"))
        == snapshot
    )
    assert Agent.objects.get(connect_user_id="u-kim-0001").state_history.count() == history
    assert not SyncRun.objects.filter(kind="connect_live").exists()  # successes are not kept


def test_historical_metrics_upsert_per_interval_and_keep_nulls() -> None:
    connect_sync.connect_sync_queues()
    end = START + timedelta(hours=2)

    first = connect_sync.connect_sync_historical_metrics(start=START, end=end)
    assert first.created == 3 * 7 * 2
    row = HistoricalMetric.objects.get(
        connect_queue_id="q-retention-0003", interval_start=START, metric="SERVICE_LEVEL"
    )
    assert row.value is None and row.queue.name == "해지 방어"
    assert (
        HistoricalMetric.objects.get(
            connect_queue_id="q-billing-0002", interval_start=START, metric="CONTACTS_ABANDONED"
        ).value
        == 0.0
    )

    values = list(HistoricalMetric.objects.order_by("pk").values_list("pk", "value"))
    second = connect_sync.connect_sync_historical_metrics(start=START, end=end)
    assert _counts(second) == (0, 0, 0, 42)
    assert list(HistoricalMetric.objects.order_by("pk").values_list("pk", "value")) == values


def test_historical_metrics_group_queues_by_their_sla(monkeypatch) -> None:
    connect_sync.connect_sync_queues()
    Queue.objects.filter(connect_queue_id="q-billing-0002").update(sla_seconds=20)
    calls = []
    api = connect_sync.get_connect()
    real = api.get_metric_data_v2
    monkeypatch.setattr(api, "get_metric_data_v2", lambda **kw: calls.append(kw) or real(**kw))
    connect_sync.connect_sync_historical_metrics(start=START, end=START + timedelta(hours=1))
    assert [(c["service_level_seconds"], c["queue_ids"]) for c in calls] == [
        (20, ["q-billing-0002"]),
        (60, ["q-general-0001", "q-retention-0003"]),
    ]
    assert calls[0]["instance_arn"].endswith(":instance/local-instance")


def test_agent_status_is_set_in_connect_by_name() -> None:
    connect_sync.connect_sync_directory()
    kim = Agent.objects.get(connect_user_id="u-kim-0001")
    connect_sync.agent_set_connect_status(agent_id=kim.pk, status_name="lunch")
    assert connect_sync.get_connect().user_status == {"u-kim-0001": "st-lunch"}


# --- AWS failures through the task -----------------------------------------------------------


LIST_QUEUES = {"InstanceId": INSTANCE_ID, "QueueTypes": ["STANDARD"], "MaxResults": 100}


@pytest.fixture
def aws_connect(settings, monkeypatch):
    settings.CONNECT_INSTANCE_ID = INSTANCE_ID
    settings.CONNECT_SYNC_LOCAL = True
    client, stubber = stubbed("connect")
    monkeypatch.setattr(
        connect_sync, "get_connect", lambda: AwsConnect(client, throttle=lambda: None)
    )
    monkeypatch.setattr(tasks, "backoff", lambda retries: 0)
    with stubber:
        yield stubber


def test_throttling_is_retried_by_the_task(aws_connect) -> None:
    client_error(aws_connect, "list_queues", "ThrottlingException", 400, LIST_QUEUES)
    aws_connect.add_response("list_queues", {"QueueSummaryList": []}, LIST_QUEUES)
    aws_connect.add_response(
        "list_routing_profiles",
        {"RoutingProfileSummaryList": []},
        {"InstanceId": INSTANCE_ID, "MaxResults": 100},
    )
    aws_connect.add_response(
        "list_users", {"UserSummaryList": []}, {"InstanceId": INSTANCE_ID, "MaxResults": 100}
    )

    # throw=False: let apply() handle Retry as a worker would, instead of raising it.
    result = tasks.connect_sync_directory.apply(throw=False)

    assert result.successful()
    aws_connect.assert_no_pending_responses()
    runs = list(SyncRun.objects.order_by("pk").values_list("kind", "status", "error_code"))
    assert runs == [
        ("connect_queues", "failed", "ThrottlingException"),
        ("connect_queues", "succeeded", ""),
        ("connect_agents", "succeeded", ""),
    ]


def test_access_denied_is_not_retried_and_is_stored_on_the_run(aws_connect, caplog) -> None:
    client_error(aws_connect, "list_queues", "AccessDeniedException", 403, LIST_QUEUES)

    result = tasks.connect_sync_directory.apply(throw=False)

    # Eager results pickle the exception; IntegrationError's keyword-only init needs a wrapper.
    assert result.failed() and "AccessDeniedException" in repr(result.result)
    run = SyncRun.objects.get()
    assert (run.status, run.error_code, run.detail) == (
        SyncStatus.FAILED,
        "AccessDeniedException",
        {"retryable": False},
    )
    assert "AccessDeniedException!" in run.error_message
    assert "list_queues failed: AccessDeniedException" in caplog.text


def test_scheduled_connect_tasks_do_nothing_on_the_local_twin(settings) -> None:
    settings.CONNECT_SYNC_LOCAL = False
    assert tasks.connect_sync_directory.apply().result is None
    assert not Queue.objects.exists()
