"""Chat API load benchmark: N customers, M messages each, with think time (issue 4).

    python bench/chat_load.py --customers 1000 --messages 5 --think 5
    python bench/chat_load.py --rate 200 --duration 600        # fixed arrival rate

Serves the portal the way production does (gunicorn, gthread workers, persistent DB
connections) on PostgreSQL (a database `aicc_bench` next to DATABASE_URL's, default the local
server), loads the demo content, then:
  1. customers: each opens a session and sends M messages with exponential think time; a timed
     out or failed request is retried with the same client_message_id;
  2. capacity: closed-loop throughput of POST /api/chatbot/chat and, in the same run, of a plain
     insert endpoint with the same auth and validation but no NLU (the ratio is the cost of
     understanding);
  3. checks in the database that no message was lost or duplicated and that seq has no gaps.
Loopback only, bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
QUESTIONS = [
    "배송 조회는 어떻게 하나요?",
    "요금제 바꾸고 싶어요",
    "비밀번호를 잊어버렸어요",
    "해외 로밍 신청 방법",
    "이번 달 요금 얼마 나왔어요?",
    "유심 분실했어요",
    "멤버십 포인트 어디에 써요?",
    "자동이체 카드 변경",
    "데이터 추가 충전",
    "고객센터 운영 시간",
]


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    retries: int = 0
    sent: dict[str, list[str]] = field(default_factory=dict)  # session -> client ids

    def summary(self) -> str:
        if not self.latencies:
            return "no requests"
        q = statistics.quantiles(self.latencies, n=100)
        return (
            f"requests {len(self.latencies)}  p50 {q[49] * 1000:.1f} ms  "
            f"p95 {q[94] * 1000:.1f} ms  p99 {q[98] * 1000:.1f} ms  errors {self.errors}  "
            f"retries {self.retries}"
        )


def prepare(database_url: str) -> str:
    env = dict(os.environ, DATABASE_URL=database_url, AICC_BENCH_ENDPOINTS="true")
    env.pop("REDIS_URL", None)
    base = database_url.rsplit("/", 1)[0]
    subprocess.run(
        ["psql", f"{base}/postgres", "-qc", "DROP DATABASE IF EXISTS aicc_bench"],
        check=True,
        capture_output=True,
    )
    subprocess.run(["psql", f"{base}/postgres", "-qc", "CREATE DATABASE aicc_bench"], check=True)
    for args in (["migrate", "-v", "0"], ["load_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
        )
    out = subprocess.run(
        [sys.executable, "manage.py", "channel_key", "create", "--name", "bench"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip().splitlines()[-1]


def serve(database_url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        AICC_BENCH_ENDPOINTS="true",
        DATABASE_CONN_MAX_AGE="600",
        THROTTLE_SESSION_PER_MINUTE="100000",
        THROTTLE_KEY_PER_MINUTE="10000000",
        DJANGO_LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)
    cmd = [
        str(BIN / "gunicorn"),
        "aicc.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--preload",
        "--log-level",
        "warning",
        "--backlog",
        "4096",
    ]
    return subprocess.Popen(cmd, cwd=ROOT, env=env)


async def wait_up(client: httpx.AsyncClient) -> None:
    for _ in range(240):
        try:
            if (await client.get("/api/monitoring/health")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.5)
    raise SystemExit("server did not come up")


async def send(client: httpx.AsyncClient, path: str, body: dict, stats: Stats) -> dict | None:
    for attempt in range(4):
        started = time.perf_counter()
        try:
            response = await client.post(path, json=body)
            if response.status_code < 500:
                stats.latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    stats.errors += 1
                    return None
                return response.json()
        except httpx.HTTPError:
            pass
        stats.retries += 1  # same client_message_id: the server answers a retry once
        await asyncio.sleep(0.2 * (attempt + 1))
    stats.errors += 1
    return None


async def customer(
    client: httpx.AsyncClient, n: int, messages: int, think: float, stats: Stats
) -> None:
    await asyncio.sleep(random.uniform(0, think))  # arrivals spread over one think time
    session = None
    ids: list[str] = []
    for _ in range(messages):
        cid = uuid.uuid4().hex
        body = {
            "message": random.choice(QUESTIONS),
            "user_id": f"bench-{n}",
            "client_message_id": cid,
        }
        if session:
            body["session_id"] = session
        reply = await send(client, "/api/chatbot/chat", body, stats)
        if reply:
            session = reply["session_id"]
            ids.append(cid)
        await asyncio.sleep(random.expovariate(1 / think))
    if session:
        stats.sent[session] = ids


async def closed_loop(
    client: httpx.AsyncClient, path: str, seconds: float, concurrency: int, tag: str
) -> Stats:
    stats = Stats()
    deadline = time.monotonic() + seconds

    async def loop(i: int) -> None:
        while time.monotonic() < deadline:
            body = {
                "message": random.choice(QUESTIONS),
                "user_id": f"{tag}-{i}",
                "client_message_id": uuid.uuid4().hex,
            }
            await send(client, path, body, stats)

    await asyncio.gather(*(loop(i) for i in range(concurrency)))
    return stats


async def fixed_rate(client: httpx.AsyncClient, rate: float, seconds: float) -> Stats:
    stats = Stats()
    tasks = []
    started = time.monotonic()
    n = 0
    while time.monotonic() - started < seconds:
        body = {
            "message": random.choice(QUESTIONS),
            "user_id": f"rate-{n % 5000}",
            "client_message_id": uuid.uuid4().hex,
        }
        tasks.append(asyncio.create_task(send(client, "/api/chatbot/chat", body, stats)))
        n += 1
        await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
    await asyncio.gather(*tasks)
    return stats


def verify(database_url: str, stats: Stats) -> tuple[int, int, int]:
    """(lost, duplicated, sessions with a seq gap) for the customers' sessions."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aicc.settings")
    import django

    django.setup()
    from apps.chat.models import Message

    lost = duplicated = gaps = 0
    for session, ids in stats.sent.items():
        rows = list(
            Message.objects.filter(conversation__session_id=session)
            .order_by("seq")
            .values_list("seq", "client_message_id")
        )
        stored = [cid for _, cid in rows if cid]
        lost += len(set(ids) - set(stored))
        duplicated += len(stored) - len(set(stored))
        gaps += [seq for seq, _ in rows] != list(range(1, len(rows) + 1))
    return lost, duplicated, gaps


async def run(args: argparse.Namespace, key: str) -> Stats:
    limits = httpx.Limits(
        max_connections=args.connections, max_keepalive_connections=args.connections
    )
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{args.port}",
        limits=limits,
        headers={"X-Api-Key": key},
        timeout=args.timeout,
    ) as client:
        await wait_up(client)
        if args.rate:
            stats = await fixed_rate(client, args.rate, args.duration)
            print(f"fixed rate {args.rate}/s for {args.duration}s: {stats.summary()}")
            return stats
        started = time.monotonic()
        stats = Stats()
        await asyncio.gather(
            *(customer(client, n, args.messages, args.think, stats) for n in range(args.customers))
        )
        elapsed = time.monotonic() - started
        print(
            f"customers {args.customers} x {args.messages} msgs, think {args.think}s, "
            f"{elapsed:.0f}s: {stats.summary()}  ({len(stats.latencies) / elapsed:.0f} req/s)"
        )
        chat = await closed_loop(client, "/api/chatbot/chat", args.capacity_seconds, 32, "cap")
        plain = await closed_loop(
            client, "/api/chatbot/bench-insert", args.capacity_seconds, 32, "ins"
        )
        chat_rps = len(chat.latencies) / args.capacity_seconds
        plain_rps = len(plain.latencies) / args.capacity_seconds
        print(f"capacity chat {chat_rps:.0f} req/s ({chat.summary()})")
        print(f"capacity plain insert {plain_rps:.0f} req/s ({plain.summary()})")
        print(f"chat / plain insert = {chat_rps / plain_rps:.2f}")
        return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--think", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=0.0, help="fixed arrival rate instead")
    parser.add_argument("--duration", type=float, default=600)
    parser.add_argument("--capacity-seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    database_url = args.database_url.rsplit("/", 1)[0] + "/aicc_bench"
    key = prepare(database_url)
    server = serve(database_url, args.port, args.workers, args.threads)
    try:
        stats = asyncio.run(run(args, key))
    finally:
        server.terminate()
        server.wait(timeout=30)
    lost, duplicated, gaps = verify(database_url, stats)
    print(
        f"database check: {len(stats.sent)} sessions, lost {lost}, duplicated {duplicated}, "
        f"sessions with seq gaps {gaps}"
    )
    return 1 if lost or duplicated or gaps else 0


if __name__ == "__main__":
    sys.exit(main())
