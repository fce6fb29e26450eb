"""Chat API load benchmark: N customers, M messages each, with think time (issue 4).

    # the issue's targets (the lead's quiet-machine runs):
    python bench/chat_load.py --customers 1000 --messages 3 --think 5
    python bench/chat_load.py --rate 200 --duration 600   # sustained rate, each minute shown
    # smaller runs while working on a shared machine:
    python bench/chat_load.py --customers 300 --messages 3 --think 5 --capacity-seconds 15
    python bench/chat_load.py --sequential 500                  # one client: ms per request
    python bench/chat_load.py --serve-only                      # keep serving (for py-spy)

Serves the portal the way production does (gunicorn, gthread workers, persistent DB
connections, Redis for throttles and live pushes; `--server uvicorn` for the ASGI comparison,
with the psycopg pool) on PostgreSQL in a database of its own (the name in --database-url,
default `bench_chat`, dropped and re-created; `--reuse` keeps it), loads the demo content, then:
  1. customers: each opens a session and sends M messages with exponential think time; a timed
     out or failed request is retried with the same client_message_id, and so is one the server
     shed (503 + Retry-After, after that wait). Every request carries X-Request-Start as nginx
     sets it (--no-proxy-stamp leaves it out), and a turn's latency runs from its first attempt
     to its answer, so shedding cannot flatter the figures;
  2. capacity: closed-loop throughput of POST /api/chatbot/chat and, in the same run, of a plain
     insert endpoint doing the same turn without the bot (auth, throttles, validation, replay
     check, row lock, insert, commit; apps/chat/api/bench.py): the ratio is the cost of
     understanding and answering;
  3. checks in the database that no message was lost or duplicated and that seq has no gaps.
Loopback only, bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

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
    retries: int = 0  # after a timeout or a failure
    shed: int = 0  # 503 + Retry-After: the server refused a request queued past its deadline
    sent: dict[str, list[str]] = field(default_factory=dict)  # session -> client ids

    def summary(self) -> str:
        if not self.latencies:
            return "no requests"
        q = statistics.quantiles(self.latencies, n=100)
        return (
            f"requests {len(self.latencies)}  p50 {q[49] * 1000:.1f} ms  "
            f"p95 {q[94] * 1000:.1f} ms  p99 {q[98] * 1000:.1f} ms  errors {self.errors}  "
            f"retries {self.retries}  shed {self.shed}"
        )


def prepare(database_url: str, reuse: bool) -> str:
    """(Re)create the bench database, migrate, load the demo content; return a new channel key."""
    env = dict(os.environ, DATABASE_URL=database_url, AICC_BENCH_ENDPOINTS="true")
    env.pop("REDIS_URL", None)
    base, name = database_url.rsplit("/", 1)
    if name in ("postgres", "template0", "template1"):
        raise SystemExit(f"refusing to drop the {name} database: pick a bench database name")
    if not reuse:
        subprocess.run(
            ["psql", f"{base}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{name}"'],
            check=True,
            capture_output=True,
        )
        subprocess.run(["psql", f"{base}/postgres", "-qc", f'CREATE DATABASE "{name}"'], check=True)
        for args in (["migrate", "-v", "0"], ["load_demo"]):
            subprocess.run(
                [sys.executable, "manage.py", *args],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
    out = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "channel_key",
            "create",
            "--name",
            f"bench-{uuid.uuid4().hex[:6]}",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip().splitlines()[-1]


def serve(database_url: str, args: argparse.Namespace) -> subprocess.Popen:
    """Start the HTTP server as production would: gunicorn gthread (default) or uvicorn."""
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        AICC_BENCH_ENDPOINTS="true",
        THROTTLE_SESSION_PER_MINUTE="100000",
        THROTTLE_KEY_PER_MINUTE="10000000",
        DJANGO_LOG_LEVEL="WARNING",
    )
    # Production's cache (throttles) and channel layer (live pushes) are Redis.
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    else:
        env.pop("REDIS_URL", None)
    if args.server == "uvicorn":
        # Persistent connections leak under ASGI (thread-sensitive executor); use the pool.
        env.update(DATABASE_POOL="true", DATABASE_CONN_MAX_AGE="0")
        cmd = [
            str(BIN / "uvicorn"),
            "aicc.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
            "--no-access-log",
            "--log-level",
            "warning",
            "--backlog",
            "4096",
        ]
    else:
        env["DATABASE_CONN_MAX_AGE"] = "600"
        cmd = [
            str(BIN / "gunicorn"),
            "aicc.wsgi:application",
            "--config",
            str(ROOT / "scripts" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
        ]
    return subprocess.Popen(cmd, cwd=ROOT, env=env)


class Client:
    """Keep-alive HTTP client for one base URL and channel key.

    aiohttp, not httpx: the load generator shares the 2 cores with the server it measures, and
    httpx spent 2-4 ms of CPU per request here, aiohttp well under one.
    """

    def __init__(
        self, port: int, key: str, connections: int, timeout: float, stamp: bool = True
    ) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.stamp = stamp
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=connections, keepalive_timeout=30),
            headers={"X-Api-Key": key, "Content-Type": "application/json"},
            timeout=aiohttp.ClientTimeout(total=timeout),
        )

    def _headers(self) -> dict[str, str]:
        # What nginx sets (docker/nginx.conf): the server sheds API requests queued too long.
        return {"X-Request-Start": f"t={time.time():.3f}"} if self.stamp else {}

    async def get_status(self, path: str) -> int:
        async with self.session.get(self.base + path, headers=self._headers()) as response:
            await response.read()
            return response.status

    async def post(self, path: str, body: dict) -> tuple[int, dict, str | None]:
        """(status, reply when 200, Retry-After header)."""
        async with self.session.post(
            self.base + path, data=json.dumps(body), headers=self._headers()
        ) as response:
            raw = await response.read()
            reply = json.loads(raw) if response.status == 200 else {}
            return response.status, reply, response.headers.get("Retry-After")

    async def close(self) -> None:
        await self.session.close()


ERRORS = (aiohttp.ClientError, asyncio.TimeoutError)


async def wait_up(client: Client) -> None:
    # Each worker loads the Korean analyser before it serves: minutes on a busy 2-core box.
    for _ in range(600):
        try:
            if await client.get_status("/api/monitoring/health") == 200:
                return
        except ERRORS:
            pass
        await asyncio.sleep(0.5)
    raise SystemExit("server did not come up")


def _retry_after(status: int, header: str | None) -> float | None:
    """Seconds the server asked us to wait before retrying a shed request, if it did."""
    if status != 503 or header is None:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        return None


async def send(client: Client, path: str, body: dict, stats: Stats) -> dict | None:
    # Timed from the first attempt: retries and Retry-After waits are part of the turn.
    started = time.perf_counter()
    for attempt in range(4):
        wait = 0.2 * (attempt + 1)
        try:
            status, reply, retry_after = await client.post(path, body)
            if status < 500:
                stats.latencies.append(time.perf_counter() - started)
                if status != 200:
                    stats.errors += 1
                    return None
                return reply
            shed_wait = _retry_after(status, retry_after)
            if shed_wait is not None:
                stats.shed += 1
                wait = shed_wait
            else:
                stats.retries += 1
        except ERRORS:
            stats.retries += 1
        # Same client_message_id on every attempt: the server answers a retry once.
        await asyncio.sleep(wait)
    stats.errors += 1
    return None


async def customer(client: Client, n: int, messages: int, think: float, stats: Stats) -> None:
    # Every customer is already mid-conversation: the first message, like every later one, comes
    # after an exponential think time, so 1,000 customers offer a steady 1,000/think req/s from
    # the start. (A uniform start within one think time added the first messages on top of the
    # early customers' second ones: ~330 req/s for the first seconds instead of 200.)
    await asyncio.sleep(random.expovariate(1 / think))
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
    client: Client, path: str, seconds: float, concurrency: int, tag: str
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


async def fixed_rate(client: Client, rate: float, seconds: float) -> Stats:
    stats = Stats()
    tasks = []
    started = time.monotonic()
    n = 0

    async def turn(body: dict) -> None:
        # Each turn opens its own session: the database check covers these runs too.
        reply = await send(client, "/api/chatbot/chat", body, stats)
        if reply:
            stats.sent[reply["session_id"]] = [body["client_message_id"]]

    reporter = asyncio.create_task(report_windows(stats, started))
    while time.monotonic() - started < seconds:
        body = {
            "message": random.choice(QUESTIONS),
            "user_id": f"rate-{n % 5000}",
            "client_message_id": uuid.uuid4().hex,
        }
        tasks.append(asyncio.create_task(turn(body)))
        n += 1
        await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
    await asyncio.gather(*tasks)
    reporter.cancel()
    return stats


async def report_windows(stats: Stats, started: float, every: float = 60.0) -> None:
    """Print each minute's figures: a ten-minute run that degrades shows when it started to."""
    seen = errors = retries = shed = 0
    while True:
        await asyncio.sleep(every)
        window = Stats(
            latencies=stats.latencies[seen:],
            errors=stats.errors - errors,
            retries=stats.retries - retries,
            shed=stats.shed - shed,
        )
        seen, errors, retries, shed = len(stats.latencies), stats.errors, stats.retries, stats.shed
        print(f"  {time.monotonic() - started:4.0f}s  {window.summary()}", flush=True)


def verify(database_url: str, stats: Stats) -> tuple[int, int, int]:
    """(lost, duplicated, sessions with a seq gap) for the customers' sessions."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aicc.settings")
    import django

    django.setup()
    from apps.chat.models import Message

    lost = duplicated = gaps = 0
    sessions = list(stats.sent)
    for start in range(0, len(sessions), 1000):  # a 10-minute run holds 120,000 sessions
        chunk = sessions[start : start + 1000]
        rows: dict[str, list[tuple[int, str | None]]] = {session: [] for session in chunk}
        for session, seq, cid in (
            Message.objects.filter(conversation__session_id__in=chunk)
            .order_by("conversation_id", "seq")
            .values_list("conversation__session_id", "seq", "client_message_id")
        ):
            rows[str(session)].append((seq, cid))
        for session in chunk:
            stored = [cid for _, cid in rows[session] if cid]
            lost += len(set(stats.sent[session]) - set(stored))
            duplicated += len(stored) - len(set(stored))
            gaps += [seq for seq, _ in rows[session]] != list(range(1, len(rows[session]) + 1))
    return lost, duplicated, gaps


async def sequential(client: Client, path: str, n: int, tag: str) -> Stats:
    """One client, one request at a time: the server's own cost per request (no queueing).

    Customers of five messages each (the first opens the session, four follow it), the mix of
    the customers phase."""
    stats = Stats()
    session = None
    for i in range(n):
        body = {
            "message": QUESTIONS[i % len(QUESTIONS)],
            "user_id": f"{tag}-{i // 5}",
            "client_message_id": uuid.uuid4().hex,
        }
        if i % 5 and session:
            body["session_id"] = session
        reply = await send(client, path, body, stats)
        session = reply["session_id"] if reply else None
    return stats


def per_request(stats: Stats) -> str:
    if not stats.latencies:
        return "no requests"
    q = statistics.quantiles(stats.latencies, n=100)
    return (
        f"n {len(stats.latencies)}  mean {statistics.fmean(stats.latencies) * 1000:.1f} ms  "
        f"p50 {q[49] * 1000:.1f} ms  p95 {q[94] * 1000:.1f} ms  errors {stats.errors}"
    )


async def run(args: argparse.Namespace, key: str) -> Stats:
    client = Client(args.port, key, args.connections, args.timeout, not args.no_proxy_stamp)
    try:
        return await phases(client, args, key)
    finally:
        await client.close()


async def phases(client: Client, args: argparse.Namespace, key: str) -> Stats:
    await wait_up(client)
    if args.serve_only:
        print(f"serving on 127.0.0.1:{args.port}  X-Api-Key: {key}  (Ctrl-C to stop)")
        await asyncio.Event().wait()
    if args.sequential:
        # Warm up each worker (imports, connections, NLU caches) before timing.
        await sequential(client, "/api/chatbot/chat", 50, "warm-chat")
        await sequential(client, "/api/chatbot/bench-insert", 50, "warm-ins")
        chat = await sequential(client, "/api/chatbot/chat", args.sequential, "seq-chat")
        plain = await sequential(client, "/api/chatbot/bench-insert", args.sequential, "seq-ins")
        print(f"sequential chat:         {per_request(chat)}")
        print(f"sequential plain insert: {per_request(plain)}")
        print(
            "mean chat / plain insert time = "
            f"{statistics.fmean(chat.latencies) / statistics.fmean(plain.latencies):.2f}"
        )
        return Stats()
    # A server in service is warm: every worker thread has its database connection, prepared
    # statements and caches. Not timed; the database check covers these sessions too.
    await closed_loop(client, "/api/chatbot/chat", 3, 16, "warm-chat")
    await closed_loop(client, "/api/chatbot/bench-insert", 2, 16, "warm-ins")
    if args.rate:
        stats = await fixed_rate(client, args.rate, args.duration)
        print(f"fixed rate {args.rate}/s for {args.duration}s ({args.server}): {stats.summary()}")
        return stats
    started = time.monotonic()
    stats = Stats()
    await asyncio.gather(
        *(customer(client, n, args.messages, args.think, stats) for n in range(args.customers))
    )
    elapsed = time.monotonic() - started
    print(
        f"customers {args.customers} x {args.messages} msgs, think {args.think}s "
        f"({args.server}), {elapsed:.0f}s: {stats.summary()}  "
        f"({len(stats.latencies) / elapsed:.0f} req/s)"
    )
    if args.capacity_seconds <= 0:
        return stats
    chat = await closed_loop(client, "/api/chatbot/chat", args.capacity_seconds, 32, "cap")
    plain = await closed_loop(client, "/api/chatbot/bench-insert", args.capacity_seconds, 32, "ins")
    chat_rps = len(chat.latencies) / args.capacity_seconds
    plain_rps = len(plain.latencies) / args.capacity_seconds
    print(f"capacity chat {chat_rps:.0f} req/s ({chat.summary()})")
    print(f"capacity plain insert {plain_rps:.0f} req/s ({plain.summary()})")
    print(f"chat / plain insert = {chat_rps / plain_rps:.2f}")
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--customers", type=int, default=1000, help="concurrent customers")
    parser.add_argument("--messages", type=int, default=3, help="messages per customer")
    parser.add_argument("--think", type=float, default=5.0, help="mean think time, seconds")
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="fixed arrival rate in chat turns/s instead of customers (with --duration)",
    )
    parser.add_argument(
        "--duration", type=float, default=600, help="seconds of the --rate run (default 600)"
    )
    parser.add_argument(
        "--capacity-seconds",
        type=float,
        default=20,
        help="closed-loop capacity phase per endpoint after the customers (0 skips it)",
    )
    parser.add_argument(
        "--sequential",
        type=int,
        default=0,
        metavar="N",
        help="only time N sequential requests to chat and to the plain insert (ms/request)",
    )
    parser.add_argument(
        "--serve-only", action="store_true", help="prepare, serve and wait (for py-spy)"
    )
    parser.add_argument("--server", choices=["gunicorn", "uvicorn"], default="gunicorn")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gunicorn gthread threads")
    parser.add_argument("--connections", type=int, default=1000, help="client connection cap")
    parser.add_argument("--timeout", type=float, default=10, help="client timeout, then retry")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--no-proxy-stamp",
        action="store_true",
        help="send no X-Request-Start (as without nginx): the server never sheds",
    )
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/bench_chat",
        help="the bench's own database: dropped and re-created",
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database as it is")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/4",
        help="the server's REDIS_URL, as in production ('' serves without Redis)",
    )
    args = parser.parse_args()
    database_url = args.database_url
    key = prepare(database_url, args.reuse)
    server = serve(database_url, args)
    # `kill <pid>` of this script stops its server too (the finally below), not only Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        stats = asyncio.run(run(args, key))
    except KeyboardInterrupt:
        return 0
    finally:
        server.terminate()
        server.wait(timeout=30)
    if not stats.sent:
        return 0
    lost, duplicated, gaps = verify(database_url, stats)
    print(
        f"database check: {len(stats.sent)} sessions, lost {lost}, duplicated {duplicated}, "
        f"sessions with seq gaps {gaps}"
    )
    return 1 if lost or duplicated or gaps else 0


if __name__ == "__main__":
    sys.exit(main())
