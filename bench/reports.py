"""Reports benchmark: 1 M conversations / 10 M messages in PostgreSQL, then time reads (issue 7).

    python bench/reports.py                          # 1,000,000 conversations, ~10 per message
    python bench/reports.py --conversations 20000    # a quick run
    python bench/reports.py --skip-load              # time again on the data already loaded
    python bench/reports.py --skip-load --rollup-days 0   # no roll-up backfill before timing

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench_reports) is created if missing
and migrated. The load uses COPY (psycopg 3 `cursor.copy`) with FK triggers off for the session:
a year of conversations ending yesterday (Asia/Seoul) with office-hours peaks, a realistic state
mix (bot-contained, agent-handled, abandoned, a live queue today), 4–16 messages each, and
daily AVAILABLE shifts for occupancy. It then rolls up the KPI sums of the last --rollup-days
days (what the reports.rollup_kpis task keeps; days already rolled up after they ended are
skipped) and times, several runs each (p50/p95):
  0. one day's roll-up (services.kpi_rollup_day), the Celery task's unit of work;
  1. the daily KPI report for one day and for 30 days (apps/reports/builders.daily_kpi), from
     roll-ups, and for 1 and 30 days computed live (roll-ups ignored);
  2. the board queries (apps/reports/live.py);
  3. the KPI page and the admin conversation/message changelists, through the test Client
     as a supervisor;
and prints the figures and the peak RSS.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_reports"
TEXTS = [
    "안녕하세요",
    "요금제 변경하고 싶어요",
    "네 확인해 드리겠습니다",
    "배송 조회 부탁드려요",
    "잠시만 기다려 주세요",
    "감사합니다",
    "비밀번호를 잊어버렸어요",
    "처리되었습니다",
]
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 5, 8, 12, 14, 13, 10, 12, 13, 12, 11, 9, 7, 6, 5, 4, 3, 2]

CONV_COLUMNS = (
    "id, session_id, channel_key_id, user_id, channel, state, queue_id, agent_id, started_at, "
    "queued_at, assigned_at, first_agent_reply_at, closed_at, abandoned_at, escalation_reason, "
    "wrapup_seconds, disposition, wrapup_note, csat_score, csat_comment, bot_state, last_intent, "
    "last_seq, connect_contact_id"
)
MSG_COLUMNS = (
    "conversation_id, seq, sender, text, intent, next_action, agent_id, is_internal, payload, "
    "created_at"
)


def ensure_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aicc.settings")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# Load ----------------------------------------------------------------------------------------


def _directory(n_agents: int, n_queues: int) -> tuple[list[int], list[int], int]:
    from django.contrib.auth.models import User

    from apps.agents.models import Agent, Queue, Team
    from apps.chat.models import ChannelKey

    n_teams = max(1, n_agents // 20)
    teams = [Team.objects.get_or_create(name=f"벤치{i}팀")[0] for i in range(n_teams)]
    queues = [
        Queue.objects.get_or_create(code=f"bench-{i}", defaults={"name": f"벤치 큐 {i}"})[0]
        for i in range(n_queues)
    ]
    existing = set(
        User.objects.filter(username__startswith="bench-agent-").values_list("username", flat=True)
    )
    users = User.objects.bulk_create(
        [
            User(username=f"bench-agent-{i}")
            for i in range(n_agents)
            if f"bench-agent-{i}" not in existing
        ]
    )
    Agent.objects.bulk_create(
        [
            Agent(
                user=u,
                display_name=u.username,
                team=teams[i % len(teams)],
                capacity=3,
                state="AVAILABLE",
            )
            for i, u in enumerate(users)
        ]
    )
    agents = list(
        Agent.objects.filter(user__username__startswith="bench-agent-").values_list("pk", flat=True)
    )
    key = ChannelKey.objects.filter(name="bench").first() or ChannelKey.issue(name="bench")[0]
    return agents, [q.pk for q in queues], key.pk


def _conversation(
    pk: int,
    day0: date,
    days: int,
    key: int,
    queues: list[int],
    agents: list[int],
    today: date,
    rnd: random.Random,
) -> tuple[tuple[Any, ...], int, int | None]:
    from apps.reports.kpis import SEOUL

    live = pk % 2000 == 0  # a thin live floor today for the board queries
    day = today if live else day0 + timedelta(days=rnd.randrange(days))
    hour = rnd.choices(range(24), HOUR_WEIGHTS)[0]
    start = datetime(
        day.year, day.month, day.day, hour, rnd.randrange(60), rnd.randrange(60), tzinfo=SEOUL
    )
    if live:
        start = datetime.now(SEOUL) - timedelta(seconds=rnd.randrange(30, 900))
    user = f"cust-{rnd.randrange(max(1, pk // 3 + 1000))}"
    roll = rnd.random()
    queue = agent = queued = assigned = frt = closed = abandoned = csat = None
    wrapup, state = 0, "CLOSED"
    if live:
        state, queue, queued = ("QUEUED" if roll < 0.4 else "ASSIGNED"), rnd.choice(queues), start
        if state == "ASSIGNED":
            agent, assigned = rnd.choice(agents), start + timedelta(seconds=20)
    elif roll < 0.55:  # bot-contained
        closed = start + timedelta(seconds=rnd.randrange(20, 400))
    elif roll < 0.58:  # left the bot without closing
        state = "BOT"
    elif roll < 0.64:  # abandoned in queue
        state, queue = "ABANDONED", rnd.choice(queues)
        queued = start + timedelta(seconds=rnd.randrange(30, 300))
        abandoned = queued + timedelta(seconds=int(rnd.expovariate(1 / 90)) + 5)
    else:  # handled by an agent
        queue, agent = rnd.choice(queues), rnd.choice(agents)
        queued = start + timedelta(seconds=rnd.randrange(30, 300))
        assigned = queued + timedelta(seconds=int(rnd.expovariate(1 / 40)))
        frt = assigned + timedelta(seconds=rnd.randrange(5, 60))
        closed = assigned + timedelta(seconds=rnd.randrange(120, 900))
        wrapup = rnd.randrange(0, 120)
        csat = rnd.choices([1, 2, 3, 4, 5], [5, 5, 15, 35, 40])[0] if rnd.random() < 0.4 else None
    n_messages = rnd.randrange(4, 17)
    row = (
        pk,
        uuid.UUID(int=rnd.getrandbits(128), version=4),
        key,
        user,
        "web",
        state,
        queue,
        agent,
        start,
        queued,
        assigned,
        frt,
        closed,
        abandoned,
        "",
        wrapup,
        "",
        "",
        csat,
        "",
        "{}",
        "",
        n_messages,
        "",
    )
    return row, n_messages, agent


def load(n: int, seed: int) -> None:
    from django.db import connection

    from apps.reports.kpis import SEOUL

    rnd = random.Random(seed)
    agents, queues, key = _directory(200, 8)
    today = datetime.now(SEOUL).date()
    day0, days = today - timedelta(days=365), 365
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE chat_message, chat_conversation, agents_agentstatechange CASCADE")
        cursor.execute("SET session_replication_role = replica")  # no FK triggers while loading
        cursor.execute("SET synchronous_commit = off")
        raw = cursor.cursor
        messages = 0
        with raw.copy(f"COPY chat_conversation ({CONV_COLUMNS}) FROM STDIN") as conv_copy:
            for pk in range(1, n + 1):
                row, _, _ = _conversation(pk, day0, days, key, queues, agents, today, rnd)
                conv_copy.write_row(row)
                if pk % 200_000 == 0:
                    print(f"  conversations {pk:,} ({time.perf_counter() - started:.0f} s)")
        print(f"conversations: {n:,} in {time.perf_counter() - started:.1f} s")
        t_msg = time.perf_counter()
        # Messages from the conversations just loaded: seq 1..last_seq, 15 s apart.
        cursor.execute("SELECT id, started_at, last_seq, agent_id FROM chat_conversation")
        convs = cursor.fetchall()
        with raw.copy(f"COPY chat_message ({MSG_COLUMNS}) FROM STDIN") as msg_copy:
            for i, (cid, start, last_seq, agent) in enumerate(convs, 1):
                for seq in range(1, last_seq + 1):
                    sender = "customer" if seq % 2 else ("agent" if agent and seq > 4 else "bot")
                    action = "" if sender != "bot" else ("FALLBACK" if seq % 10 == 0 else "ANSWER")
                    msg_copy.write_row(
                        (
                            cid,
                            seq,
                            sender,
                            TEXTS[(cid + seq) % 8],
                            "",
                            action,
                            agent if sender == "agent" else None,
                            False,
                            "{}",
                            start + timedelta(seconds=15 * seq),
                        )
                    )
                messages += last_seq
                if i % 200_000 == 0:
                    print(f"  messages {messages:,} ({time.perf_counter() - t_msg:.0f} s)")
        print(f"messages: {messages:,} in {time.perf_counter() - t_msg:.1f} s")
        with raw.copy(
            "COPY agents_agentstatechange (agent_id, state, started_at, ended_at) FROM STDIN"
        ) as shifts:
            for agent in agents:
                for d in range(days + 1):
                    day = day0 + timedelta(days=d)
                    begin = datetime(day.year, day.month, day.day, 9, tzinfo=SEOUL)
                    shifts.write_row((agent, "AVAILABLE", begin, begin + timedelta(hours=9)))
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("SELECT setval('chat_conversation_id_seq', %s)", [n])
    with connection.cursor() as cursor:
        t = time.perf_counter()
        cursor.execute("VACUUM ANALYZE chat_conversation")
        cursor.execute("VACUUM ANALYZE chat_message")
        cursor.execute("VACUUM ANALYZE agents_agentstatechange")
        print(f"vacuum analyze: {time.perf_counter() - t:.1f} s")
    print(f"load total: {time.perf_counter() - started:.1f} s")


# Timing --------------------------------------------------------------------------------------


def timed(label: str, fn: Callable[[], Any], runs: int) -> list[float]:
    fn()  # warm caches and connections once, as a running server would be
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    print(
        f"{label:<48} p50 {statistics.median(samples):8.1f} ms   p95 {p95:8.1f} ms   "
        f"max {samples[-1]:8.1f} ms  (n={runs})"
    )
    return samples


def _client() -> Any:
    from django.contrib.auth.models import Group, User
    from django.test import Client

    user, _ = User.objects.get_or_create(username="bench-supervisor", defaults={"is_staff": True})
    user.groups.add(*Group.objects.filter(name="supervisor"))
    client = Client()
    client.force_login(user)
    return client


def _get(client: Any, url: str, params: dict | None = None) -> Callable[[], None]:
    def fetch() -> None:
        response = client.get(url, params or {})
        assert response.status_code == 200, (url, response.status_code)

    return fetch


def rollup(days: int) -> None:
    """Backfill the roll-ups the scheduled task would have kept (days done already skipped)."""
    from apps.reports import kpis, rollups, services

    if days <= 0:
        return
    last = datetime.now(kpis.SEOUL).date() - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    done = rollups.rolled_up_days(first, last)
    todo = [d for d in kpis.days_between(first, last) if d not in done]
    t = time.perf_counter()
    for day in todo:
        services.kpi_rollup_day(day=day)
    print(f"roll-up backfill: {len(todo)} of {days} days in {time.perf_counter() - t:.1f} s")


def _live_only() -> Any:
    """Roll-ups ignored: every day aggregated from conversations, as before roll-ups existed."""
    from unittest import mock

    return mock.patch("apps.reports.rollups.rolled_up_days", lambda *a, **k: set())


def measure(runs: int) -> None:
    from apps.chat.models import Conversation
    from apps.reports import builders, live, services
    from apps.reports.kpis import SEOUL

    last = Conversation.objects.order_by("-started_at").values_list("started_at", flat=True)
    if not last:
        raise SystemExit("no conversations: run without --skip-load first")
    day = datetime.now(SEOUL).date() - timedelta(days=1)
    print(
        f"\nday measured: {day} (Asia/Seoul); runs per figure: {runs}; "
        f"load average {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f} (1/5 min)"
    )
    timed(
        "roll-up of one day (reports.rollup_kpis unit)",
        lambda: services.kpi_rollup_day(day=day - timedelta(days=1)),
        max(2, runs // 2),
    )
    timed("daily KPI report, 1 day", lambda: builders.daily_kpi(day, day), runs)
    timed("daily KPI report, 30 days", lambda: builders.daily_kpi(day - timedelta(29), day), runs)
    with _live_only():
        timed("daily KPI report, 1 day, live", lambda: builders.daily_kpi(day, day), runs)
        timed(
            "daily KPI report, 30 days, live",
            lambda: builders.daily_kpi(day - timedelta(29), day),
            max(2, runs // 4),
        )
    timed("agent performance report, 1 day", lambda: builders.agent_performance(day, day), runs)
    timed("FAQ effectiveness report, 1 day", lambda: builders.faq_effectiveness(day, day), runs)
    timed("board: queue_snapshot", live.queue_snapshot, runs * 2)
    timed("board: agent_snapshot", live.agent_snapshot, runs * 2)
    timed("board: dashboard (today + last hour KPIs)", live.dashboard, runs * 2)
    client = _client()
    d = day.isoformat()
    timed(
        "page /reports/kpis/ 1 day by queue",
        _get(client, "/reports/kpis/", {"date_from": d, "date_to": d, "group": "queue"}),
        runs,
    )
    timed(
        "page /reports/kpis/ 30 days by day",
        _get(
            client,
            "/reports/kpis/",
            {"date_from": (day - timedelta(29)).isoformat(), "date_to": d, "group": "day"},
        ),
        runs,
    )
    timed(
        "page /reports/kpis/ 30 days to today by agent",
        _get(
            client,
            "/reports/kpis/",
            {
                "date_from": (day - timedelta(28)).isoformat(),
                "date_to": (day + timedelta(1)).isoformat(),
                "group": "agent",
            },
        ),
        runs,
    )
    for label, url, params in [
        ("admin conversations, unfiltered", "/admin/chat/conversation/", {}),
        ("admin conversations, page 50", "/admin/chat/conversation/", {"p": "50"}),
        (
            "admin conversations, state=ABANDONED",
            "/admin/chat/conversation/",
            {"state__exact": "ABANDONED"},
        ),
        (
            "admin conversations, state=QUEUED (rare)",
            "/admin/chat/conversation/",
            {"state__exact": "QUEUED"},
        ),
        (
            "admin conversations, drill-down 1 day",
            "/admin/chat/conversation/",
            {
                "started_at__gte": datetime(day.year, day.month, day.day, tzinfo=SEOUL).isoformat(),
                "started_at__lt": (
                    datetime(day.year, day.month, day.day, tzinfo=SEOUL) + timedelta(days=1)
                ).isoformat(),
            },
        ),
        ("admin messages, unfiltered", "/admin/chat/message/", {}),
        ("admin messages, sender=agent", "/admin/chat/message/", {"sender__exact": "agent"}),
        (
            "admin messages, sender=system (rare)",
            "/admin/chat/message/",
            {"sender__exact": "system"},
        ),
        (
            "admin messages, sender=agent, page 50",
            "/admin/chat/message/",
            {"sender__exact": "agent", "p": "50"},
        ),
    ]:
        timed(label, _get(client, url, params), runs * 2)
    print(f"\npeak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-load", action="store_true", help="time the data already loaded")
    parser.add_argument(
        "--rollup-days",
        type=int,
        default=31,
        help="roll up this many days before yesterday first (0: none)",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        raise SystemExit("bench/reports.py needs PostgreSQL (DATABASE_URL=postgres://...)")
    ensure_database(url)
    setup_django(url)
    if not args.skip_load:
        load(args.conversations, args.seed)
    rollup(args.rollup_days)
    measure(args.runs)


if __name__ == "__main__":
    main()
