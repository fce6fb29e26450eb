"""Keep the portal in step with Amazon Connect: queues, agents, live and historical metrics.

Every function is idempotent: it compares what Connect returns with what is stored and writes
only differences, counting created/updated/unchanged on its SyncRun. Calls go through
`get_connect()`, so the same code runs against AWS or the local twin.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from apps.agents.models import Agent, AgentState, Queue
from apps.core import roles
from apps.core.exceptions import ApplicationError
from apps.integrations.aws.connect import get_connect
from apps.integrations.aws.connect_parse import (
    ConnectQueue,
    ConnectUser,
    IntervalMetrics,
    UserStatus,
)
from apps.integrations.models import HistoricalMetric, QueueMetricSnapshot, SyncKind, SyncRun
from apps.integrations.services.runs import CREATED, DELETED, UNCHANGED, UPDATED, count, sync_run

HISTORY_WINDOW_HOURS = 3  # re-read recent hours: Connect finalises an interval late


# --- queues ----------------------------------------------------------------------------------


def _apply(obj: Queue | Agent, wanted: dict[str, object]) -> str:
    changed = [field for field, value in wanted.items() if getattr(obj, field) != value]
    if not changed:
        return UNCHANGED
    for field in changed:
        setattr(obj, field, wanted[field])
    obj.save(update_fields=[*changed, "updated_at"])
    return UPDATED


def _upsert_queue(cq: ConnectQueue) -> str:
    queue = (
        Queue.objects.filter(connect_queue_id=cq.id).first()
        or Queue.objects.filter(connect_queue_id="", name=cq.name).first()
    )
    if queue is None:
        # Korean names slugify to nothing; the Connect id keeps the code unique and ASCII.
        Queue.objects.create(
            name=cq.name,
            code=f"connect-{cq.id}"[:50],
            connect_queue_id=cq.id,
            connect_arn=cq.arn,
        )
        return CREATED
    return _apply(
        queue,
        {"name": cq.name, "connect_queue_id": cq.id, "connect_arn": cq.arn, "is_active": True},
    )


def connect_sync_queues() -> SyncRun:
    with sync_run(SyncKind.CONNECT_QUEUES) as run, transaction.atomic():
        remote = get_connect().list_queues()
        for cq in remote:
            count(run, _upsert_queue(cq))
        gone = Queue.objects.exclude(connect_queue_id="").exclude(
            connect_queue_id__in=[q.id for q in remote]
        )
        count(run, DELETED, gone.filter(is_active=True).update(is_active=False))
    return run


# --- agents ----------------------------------------------------------------------------------


def _routing_profile_queues() -> dict[str, list[str]]:
    api = get_connect()
    return {p.id: api.list_routing_profile_queues(p.id) for p in api.list_routing_profiles()}


def _new_agent(cu: ConnectUser) -> Agent:
    user, _created = User.objects.get_or_create(
        username=cu.username,
        defaults={"email": cu.email, "first_name": cu.first_name, "last_name": cu.last_name},
    )
    if _created:
        user.set_unusable_password()  # agents sign in through SSO/Connect, never a synced password
        user.save(update_fields=["password"])
        user.groups.add(*Group.objects.filter(name=roles.AGENT))
    return Agent.objects.create(user=user, display_name=cu.display_name, connect_user_id=cu.id)


def _upsert_agent(cu: ConnectUser, connect_queue_ids: list[str]) -> str:
    agent = (
        Agent.objects.filter(connect_user_id=cu.id).first()
        or Agent.objects.filter(connect_user_id="", user__username=cu.username).first()
    )
    outcome = CREATED
    if agent is None:
        agent = _new_agent(cu)
    else:
        outcome = _apply(agent, {"display_name": cu.display_name, "connect_user_id": cu.id})
    wanted = set(
        Queue.objects.filter(connect_queue_id__in=connect_queue_ids).values_list("pk", flat=True)
    )
    if set(agent.queues.values_list("pk", flat=True)) != wanted:
        agent.queues.set(wanted)
        outcome = UPDATED if outcome == UNCHANGED else outcome
    return outcome


def connect_sync_agents() -> SyncRun:
    with sync_run(SyncKind.CONNECT_AGENTS) as run, transaction.atomic():
        api = get_connect()
        profile_queues = _routing_profile_queues()
        for user_id in api.list_users():
            cu = api.describe_user(user_id)
            count(run, _upsert_agent(cu, profile_queues.get(cu.routing_profile_id, [])))
    return run


def connect_sync_directory() -> list[SyncRun]:
    """Queues first: agents are linked to queues by the queues' Connect ids."""
    return [connect_sync_queues(), connect_sync_agents()]


# --- live metrics ----------------------------------------------------------------------------


def _agent_state(status: UserStatus) -> str:
    if status.active_contacts > 0:
        return AgentState.BUSY
    name = status.status_name.lower()
    if name == "available":
        return AgentState.AVAILABLE
    if name == "offline":
        return AgentState.OFFLINE
    return AgentState.AWAY  # custom statuses: lunch, training, ...


def _mirror_agent_states(statuses: list[UserStatus], run: SyncRun) -> None:
    agents = {a.connect_user_id: a for a in Agent.objects.exclude(connect_user_id="")}
    for status in statuses:
        agent = agents.get(status.user_id)
        if agent is None:
            continue
        state = _agent_state(status)
        count(run, UNCHANGED if agent.state == state else UPDATED)
        agent.set_state(state)  # a no-op when unchanged


def connect_sync_live_metrics() -> SyncRun:
    with sync_run(SyncKind.CONNECT_LIVE, keep_success=False) as run, transaction.atomic():
        queues = dict(
            Queue.objects.exclude(connect_queue_id="").values_list("connect_queue_id", "pk")
        )
        if not queues:
            return run
        api = get_connect()
        current = api.get_current_metric_data(sorted(queues))
        stored = {s.connect_queue_id: s for s in QueueMetricSnapshot.objects.all()}
        for qm in current.queues:
            snap = stored.get(qm.queue_id)
            fresh = (qm.values, current.snapshot_time)
            if snap and (snap.values, snap.data_snapshot_time) == fresh:
                count(run, UNCHANGED)
                continue
            QueueMetricSnapshot.objects.update_or_create(
                connect_queue_id=qm.queue_id,
                defaults={
                    "queue_id": queues.get(qm.queue_id),
                    "values": qm.values,
                    "data_snapshot_time": current.snapshot_time,
                },
            )
            count(run, UPDATED if snap else CREATED)
        _mirror_agent_states(api.get_current_user_data(sorted(queues)), run)
    return run


# --- historical metrics ----------------------------------------------------------------------


def _instance_arn() -> str:
    arn = getattr(settings, "CONNECT_INSTANCE_ARN", "")
    if arn:
        return arn
    queue_arn = Queue.objects.exclude(connect_arn="").values_list("connect_arn", flat=True).first()
    if queue_arn and "/queue/" in queue_arn:
        return queue_arn.split("/queue/")[0]
    raise ApplicationError("Connect 인스턴스 ARN을 알 수 없습니다. 큐를 먼저 동기화하세요.")


def _default_window(now: datetime) -> tuple[datetime, datetime]:
    end = now.replace(minute=0, second=0, microsecond=0)
    return end - timedelta(hours=HISTORY_WINDOW_HOURS), end


def _upsert_interval(
    row: IntervalMetrics, queue_pk: int | None, existing: dict, run: SyncRun
) -> None:
    for metric, value in row.values.items():
        key = (row.queue_id, row.start, metric)
        stored = existing.get(key)
        if stored is not None and stored.value == value:
            count(run, UNCHANGED)
        elif stored is not None:
            stored.value = value
            stored.save(update_fields=["value"])
            count(run, UPDATED)
        else:
            HistoricalMetric.objects.create(
                connect_queue_id=row.queue_id,
                queue_id=queue_pk,
                interval_start=row.start,
                interval_end=row.end,
                metric=metric,
                value=value,
            )
            count(run, CREATED)


def connect_sync_historical_metrics(
    *, start: datetime | None = None, end: datetime | None = None
) -> SyncRun:
    """Upsert hourly metrics per queue; SERVICE_LEVEL uses each queue's own SLA threshold."""
    if start is None or end is None:
        start, end = _default_window(timezone.now())
    with sync_run(SyncKind.CONNECT_HISTORY) as run, transaction.atomic():
        run.detail = {"start": start.isoformat(), "end": end.isoformat()}
        queues = list(Queue.objects.exclude(connect_queue_id=""))
        if not queues:
            return run
        by_sla: dict[int, list[str]] = defaultdict(list)
        for queue in queues:
            by_sla[queue.sla_seconds].append(queue.connect_queue_id)
        pks = {q.connect_queue_id: q.pk for q in queues}
        existing = {
            (m.connect_queue_id, m.interval_start, m.metric): m
            for m in HistoricalMetric.objects.filter(
                interval_start__gte=start, interval_start__lt=end
            )
        }
        api, arn = get_connect(), _instance_arn()
        for sla, queue_ids in sorted(by_sla.items()):
            rows = api.get_metric_data_v2(
                instance_arn=arn,
                queue_ids=sorted(queue_ids),
                start=start,
                end=end,
                service_level_seconds=sla,
            )
            for row in rows:
                _upsert_interval(row, pks.get(row.queue_id), existing, run)
    return run


# --- agent status ----------------------------------------------------------------------------


def agent_set_connect_status(*, agent_id: int, status_name: str) -> None:
    """Set the agent's status in Connect by name ("Available", "Offline", a custom one)."""
    agent = Agent.objects.get(pk=agent_id)
    if not agent.connect_user_id:
        raise ApplicationError(f"{agent}: Connect 사용자와 연결되지 않은 상담원입니다.")
    api = get_connect()
    match = [s for s in api.list_agent_statuses() if s.name.lower() == status_name.lower()]
    if not match:
        raise ApplicationError(f"Connect에 '{status_name}' 상태가 없습니다.")
    api.put_user_status(agent.connect_user_id, match[0].id)
