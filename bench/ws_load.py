"""Websocket load: N customer sockets + 50 agents against one uvicorn process (issue 5, DESIGN §12).

    REDIS_URL=redis://127.0.0.1:6379/1 .venv/bin/python bench/ws_load.py --sockets 2000

1. Prepares a database (file SQLite in a temp dir unless DATABASE_URL is set): one channel key,
   one queue, 50 agents with login sessions, N conversations already ASSIGNED round-robin.
2. Starts `uvicorn aicc.asgi:application` (one process, Redis channel layer) on loopback.
3. Connects N customer sockets (200 at a time) and 50 agent desk sockets; reports sockets held
   and the server's RSS per socket.
4. Agents reply at --rate messages/s in total for --seconds, each independently (Poisson
   arrivals); reports agent→customer round trip p50/p95/p99, the agent's send→"sent" ack,
   lost messages and errors.
5. Drops every customer socket at once, sends one message to --outage-messages conversations
   while they are down, reconnects all at once and resyncs each from history?after_seq=;
   reports time until all are back, handshake errors and conversations with a seq gap.
Everything is bounded by --timeout seconds and stays on 127.0.0.1.

The server runs as compose's `ws` service does: uvicorn with wsproto, no per-message deflate,
the pub/sub channel layer, and AICC_WARM_NLU=false (customers send through the HTTP API, so a
websocket-only process never loads the Korean analyser). Experiments:
  --ws IMPL         uvicorn's websocket implementation (wsproto, websockets, websockets-sansio)
  --db-threads N    WS_DB_THREADS (consumer database threads on PostgreSQL, default 8)
  --gc POLICY       freeze, freeze:N0,N1,N2 (the server's gc thresholds too) or python
                    (CPython's defaults; the default is aicc/asgi.py's policy); the JSON
                    reports the server's full collections (count, longest, total ms) either way
  --join-each       agents send `join` before every reply (the protocol before multi-join)
  --lockstep        all 50 agents reply on one clock: bursts of 50 every 50/rate seconds
  --warm-nlu        load the analyser at start like a process that also runs the bot
Overrides live in a generated module in the run's temp dir, never in the project.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import websockets
from websockets.typing import Origin

ROOT = Path(__file__).resolve().parents[1]
KEY = "aicc_bench_key_for_loopback_only_0123456789"
AGENTS = 50


@dataclass
class Customer:
    conversation_id: int
    user_id: str
    session_id: str
    ws: object = None
    seen: set[int] = field(default_factory=set)


@dataclass
class Stats:
    rtt_ms: list[float] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    sent: dict[str, float] = field(default_factory=dict)
    connect_errors: int = 0
    send_errors: int = 0
    resync_errors: int = 0
    resync_statuses: dict[int | str, int] = field(default_factory=dict)


def log(text: str) -> None:
    print(f"[ws_load {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1]


def _prepare(env: dict[str, str], sockets: int) -> tuple[list[Customer], list[tuple[int, str]]]:
    """Migrate and create the fixture rows in this process (Django set up from `env`)."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from apps.agents.models import AgentState, Queue
    from apps.agents.services import agent_create
    from apps.chat.models import ChannelKey, Conversation, ConversationState, hash_key

    run = str(int(time.time()))
    key = (
        ChannelKey.objects.create(name=f"bench-{run}", prefix=KEY[:11], key_hash=hash_key(KEY))
        if not ChannelKey.objects.filter(key_hash=hash_key(KEY)).exists()
        else ChannelKey.objects.get(key_hash=hash_key(KEY))
    )
    queue = Queue.objects.create(name=f"bench {run}", code=f"bench-{run}")
    agents, desk = [], []
    for i in range(AGENTS):
        agent = agent_create(
            username=f"bench{run}-{i}",
            display_name=f"부하{i}",
            queues=[queue],
            capacity=max(1, sockets // AGENTS + 1),
        )
        agent.set_state(AgentState.AWAY)
        session = SessionStore()
        session.update(
            {
                SESSION_KEY: str(agent.user.pk),
                HASH_SESSION_KEY: agent.user.get_session_auth_hash(),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            }
        )
        session.create()
        agents.append(agent)
        desk.append((agent.pk, str(session.session_key)))
    now = timezone.now()
    rows = Conversation.objects.bulk_create(
        Conversation(
            channel_key=key,
            user_id=f"bench-{run}-{i}",
            state=ConversationState.ASSIGNED,
            agent=agents[i % AGENTS],
            queue=queue,
            queued_at=now,
            assigned_at=now,
        )
        for i in range(sockets)
    )
    ids = dict(
        Conversation.objects.filter(
            channel_key=key, user_id__startswith=f"bench-{run}-"
        ).values_list("user_id", "pk")
    )
    customers = [Customer(ids[r.user_id], r.user_id, str(r.session_id)) for r in rows]
    return customers, desk


def _experiment(env: dict[str, str], tmp: Path, args: argparse.Namespace) -> str:
    """Write the settings/ASGI overrides asked for into `tmp`; return the ASGI app path."""
    # The ASGI module logs each full (gen2) garbage collection of the server: at thousands of
    # sockets one pass walks every object of every socket and stalls the event loop meanwhile.
    gc_setup = {
        "": "",
        "freeze": "gc.freeze()\n",
        "python": "gc.unfreeze()\ngc.set_threshold(700, 10, 10)\n",  # CPython's own
    }.get(args.gc)
    if gc_setup is None:  # freeze:N0,N1,N2: also set the collection thresholds
        gc_setup = f"gc.freeze()\ngc.set_threshold({args.gc.partition(':')[2]})\n"
    (tmp / "ws_bench_asgi.py").write_text(
        "import gc, time\nfrom aicc.asgi import application  # noqa: F401\n"
        f"{gc_setup}_log, _t = open({str(tmp / 'gc.log')!r}, 'a', buffering=1), [0.0]\n"
        "def _cb(phase, info):\n"
        "    if info['generation'] != 2: return\n"
        "    if phase == 'start': _t[0] = time.perf_counter()\n"
        "    else: _log.write(f'{(time.perf_counter() - _t[0]) * 1000:.1f}\\n')\n"
        "gc.callbacks.append(_cb)\n"
    )
    app = "ws_bench_asgi:application"
    overrides = ""
    env["AICC_WARM_NLU"] = "true" if args.warm_nlu else "false"
    if args.db_threads:
        overrides += f"WS_DB_THREADS = {args.db_threads}\n"
        env["DATABASE_POOL_MAX"] = str(args.db_threads + 12)
    if overrides:
        if not overrides.startswith("from aicc.settings"):
            overrides = "from aicc.settings import *  # noqa: F403\n" + overrides
        (tmp / "ws_bench_settings.py").write_text(overrides)
        env["DJANGO_SETTINGS_MODULE"] = "ws_bench_settings"
    sys.path.insert(0, str(tmp))  # _prepare sets Django up in this process too
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(tmp), str(ROOT), env.get("PYTHONPATH", "")])
    )
    return app


def _start_server(env: dict[str, str], port: int, app: str, ws: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--host",
            "127.0.0.1",
            "--ws",
            ws,
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            "--ws-per-message-deflate",
            "false",
            "--backlog",
            "4096",
        ],
        cwd=ROOT,
        env=env,
    )


class Bench:
    def __init__(
        self,
        port: int,
        customers: list[Customer],
        desk: list[tuple[int, str]],
        join_each: bool = False,
        lockstep: bool = False,
    ):
        self.join_each = join_each
        self.lockstep = lockstep
        self.base = f"127.0.0.1:{port}"
        self.origin = Origin(f"http://{self.base}")
        self.customers = customers
        self.desk = desk
        self.stats = Stats()

    async def connect_customer(self, c: Customer) -> bool:
        url = f"ws://{self.base}/ws/chat/?key={KEY}&user_id={c.user_id}&session_id={c.session_id}"
        try:
            c.ws = await websockets.connect(
                url, origin=self.origin, open_timeout=20, ping_interval=None, compression=None
            )
        except (OSError, websockets.WebSocketException, TimeoutError):
            self.stats.connect_errors += 1
            return False
        asyncio.ensure_future(self.listen(c, c.ws))
        return True

    async def listen(self, c: Customer, ws: object) -> None:
        try:
            async for raw in ws:  # type: ignore[attr-defined]
                frame = json.loads(raw)
                if frame["type"] != "message":
                    continue
                c.seen.add(frame["message"]["seq"])
                token = frame["message"]["text"].rpartition(" ")[2]
                started = self.stats.sent.pop(token, None)
                if started is not None:
                    self.stats.rtt_ms.append((time.perf_counter() - started) * 1000)
        except websockets.WebSocketException:
            pass

    async def open_desk(self, session_key: str, convs: list[Customer]) -> object | None:
        """An agent's desk socket; it joins each of its chats once unless --join-each."""
        try:
            ws = await websockets.connect(
                f"ws://{self.base}/ws/desk/",
                origin=self.origin,
                open_timeout=30,
                additional_headers={"Cookie": f"sessionid={session_key}"},
                ping_interval=None,
                compression=None,
            )
            if not self.join_each:
                # A desk follows all of its chats at once: one join (one permission check) each.
                for c in convs:
                    await ws.send(json.dumps({"type": "join", "conversation": c.conversation_id}))
                    await self._await(ws, "joined")
        except (OSError, websockets.WebSocketException, TimeoutError):
            self.stats.send_errors += len(convs)
            return None
        return ws

    async def agent(
        self, ws: object, convs: list[Customer], interval: float, until: float, record: bool = True
    ) -> None:
        """Reply round-robin over `convs`, one in flight, `interval` seconds apart on average.

        Agents type independently: each starts at a random moment and waits an exponential time
        between replies (Poisson arrivals, as bench/chat_load.py's customers). Fifty agents on
        one clock would send in bursts of fifty and measure the queue of a burst instead
        (--lockstep does that, for comparison with the figures measured that way before).
        """
        i = 0
        next_at = time.monotonic() + (0 if self.lockstep else random.uniform(0, interval))
        while time.monotonic() < until and convs:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            if self.lockstep or not interval:
                next_at += interval
            else:
                next_at += random.expovariate(1 / interval)
            c = convs[i % len(convs)]
            i += 1
            try:
                if self.join_each:
                    await ws.send(
                        json.dumps(  # type: ignore[attr-defined]
                            {"type": "join", "conversation": c.conversation_id}
                        )
                    )
                    await self._await(ws, "joined")
                token = f"{c.conversation_id}-{i}"
                started = time.perf_counter()
                if record:
                    self.stats.sent[token] = started
                await ws.send(
                    json.dumps(  # type: ignore[attr-defined]
                        {
                            "type": "send",
                            "conversation": c.conversation_id,
                            "text": f"bench {token}",
                            "client_id": token,
                        }
                    )
                )
                await self._await(ws, "sent")
                if record:
                    self.stats.ack_ms.append((time.perf_counter() - started) * 1000)
            except (websockets.WebSocketException, TimeoutError):
                self.stats.send_errors += 1
            if not record and i >= len(convs):
                break
        await ws.close()  # type: ignore[attr-defined]

    @staticmethod
    async def _await(ws: object, kind: str) -> None:
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))  # type: ignore[attr-defined]
            if frame["type"] == kind:
                return
            if frame["type"] == "error":
                raise TimeoutError(frame)

    async def connect_all(self, customers: list[Customer], parallel: int) -> int:
        gate = asyncio.Semaphore(parallel)

        async def one(c: Customer) -> bool:
            async with gate:
                return await self.connect_customer(c)

        return sum(await asyncio.gather(*(one(c) for c in customers)))

    async def resync(self, client: httpx.AsyncClient, c: Customer, gate: asyncio.Semaphore) -> int:
        async with gate:
            after = max(c.seen, default=0)
            failures = 0
            while True:
                try:
                    r = await client.get(
                        f"/api/chatbot/history/{c.session_id}",
                        params={"user_id": c.user_id, "after_seq": after, "limit": 200},
                    )
                    status: int | str = r.status_code
                except httpx.HTTPError as exc:  # e.g. the server out of descriptors
                    status = type(exc).__name__
                if status != 200:
                    # Counted and retried a few times, as the web chat would; never a crash.
                    self.stats.resync_errors += 1
                    self.stats.resync_statuses[status] = (
                        self.stats.resync_statuses.get(status, 0) + 1
                    )
                    failures += 1
                    if failures > 5:
                        return -1
                    await asyncio.sleep(0.5 * failures)
                    continue
                page = r.json()
                c.seen.update(m["seq"] for m in page["messages"])
                after = max(c.seen, default=0)
                if not page["has_more"]:
                    return page["last_seq"]


async def _main(
    args: argparse.Namespace,
    port: int,
    server: psutil.Process,
    customers: list[Customer],
    desk: list[tuple[int, str]],
) -> dict[str, object]:
    bench = Bench(port, customers, desk, args.join_each, args.lockstep)
    groups = [customers[i::AGENTS] for i in range(AGENTS)]
    rss_base = server.memory_info().rss
    t0 = time.monotonic()
    held = await bench.connect_all(customers, 200)
    connect_s = time.monotonic() - t0
    await asyncio.sleep(2)
    rss_held = server.memory_info().rss
    result: dict[str, object] = {
        "sockets": len(customers),
        "sockets_held": held,
        "connect_s": round(connect_s, 2),
        "rss_base_mib": round(rss_base / 2**20, 1),
        "rss_held_mib": round(rss_held / 2**20, 1),
        "rss_per_socket_kib": round((rss_held - rss_base) / max(held, 1) / 1024, 1),
        "connect_errors": bench.stats.connect_errors,
    }
    # Steady state: agents reply at --rate messages/s in total.
    desks = await asyncio.gather(
        *(bench.open_desk(sk, g) for (_, sk), g in zip(desk, groups, strict=True))
    )
    until = time.monotonic() + args.seconds
    interval = AGENTS / args.rate
    log(f"held {held}/{len(customers)} sockets in {connect_s:.1f}s; agents replying")
    await asyncio.gather(
        *(
            bench.agent(ws, g, interval, until)
            for ws, g in zip(desks, groups, strict=True)
            if ws is not None
        )
    )
    await asyncio.sleep(3)
    rtt = bench.stats.rtt_ms
    result.update(
        {
            "messages": len(rtt) + len(bench.stats.sent),
            "rate_per_s": round(len(rtt) / args.seconds),
            "rtt_p50_ms": round(_percentile(rtt, 50), 1),
            "rtt_p95_ms": round(_percentile(rtt, 95), 1),
            "rtt_p99_ms": round(_percentile(rtt, 99), 1),
            "lost": len(bench.stats.sent),
            "ack_p50_ms": round(_percentile(bench.stats.ack_ms, 50), 1),
            "ack_p95_ms": round(_percentile(bench.stats.ack_ms, 95), 1),
            "send_errors": bench.stats.send_errors,
        }
    )
    # Reconnect storm: drop everything at once, write while they are down, come back, resync.
    log(json.dumps(result, ensure_ascii=False))
    log("dropping every customer socket")
    bench.stats.connect_errors = 0
    for c in customers:
        c.ws.transport.abort()  # type: ignore[attr-defined]
    outage = customers[: args.outage_messages]
    out_groups = [outage[i::AGENTS] for i in range(AGENTS)]
    desks = await asyncio.gather(
        *(bench.open_desk(sk, g) for (_, sk), g in zip(desk, out_groups, strict=True) if g)
    )
    await asyncio.gather(
        *(
            bench.agent(ws, g, 0, time.monotonic() + 60, record=False)
            for ws, g in zip(desks, [g for g in out_groups if g], strict=True)
            if ws is not None
        )
    )
    log("reconnecting")
    t1 = time.monotonic()
    pending = list(customers)
    while pending and time.monotonic() - t1 < 60:
        ok = await asyncio.gather(*(bench.connect_customer(c) for c in pending))
        pending = [c for c, good in zip(pending, ok, strict=True) if not good]
        if pending:
            await asyncio.sleep(0.5)
    back_s = time.monotonic() - t1
    log(f"back after {back_s:.1f}s; resyncing from history")
    gate = asyncio.Semaphore(100)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers={"X-Api-Key": KEY}, timeout=30
    ) as client:
        last = await asyncio.gather(*(bench.resync(client, c, gate) for c in customers))
    gaps = sum(
        1 for c, n in zip(customers, last, strict=True) if n >= 0 and c.seen != set(range(1, n + 1))
    )
    result.update(
        {
            "reconnect_all_back_s": round(back_s, 2),
            "reconnect_handshake_errors": bench.stats.connect_errors,
            "reconnect_not_back": len(pending),
            "outage_messages": len(outage),
            "seq_gaps_after_resync": gaps,
            "resync_http_errors": bench.stats.resync_errors,
            "resync_http_statuses": bench.stats.resync_statuses,
            "resync_failed": sum(1 for n in last if n < 0),
            "rss_end_mib": round(server.memory_info().rss / 2**20, 1),
        }
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=200, help="agent messages per second")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--outage-messages", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument(
        "--warm-nlu",
        action="store_true",
        help="load the Korean analyser at start (a process that runs the bot)",
    )
    parser.add_argument("--ws", default="wsproto", help="uvicorn --ws implementation")
    parser.add_argument(
        "--gc",
        default="",
        help="server GC policy: freeze (gc.freeze() after start-up), "
        "freeze:N0,N1,N2 (and gc.set_threshold), python (CPython's "
        "defaults); default: the project's (aicc/asgi.py)",
    )
    parser.add_argument(
        "--join-each",
        action="store_true",
        help="agents join before every reply (the old protocol) instead of once",
    )
    parser.add_argument(
        "--lockstep",
        action="store_true",
        help="all agents reply on one clock (bursts of 50) instead of independent Poisson arrivals",
    )
    parser.add_argument(
        "--db-threads",
        type=int,
        default=0,
        help="WS_DB_THREADS for the consumers (default: the project's)",
    )
    args = parser.parse_args()
    # 10,000 sockets, then 10,000 reconnecting while the dropped ones close, then the HTTP
    # resync: past a 20,000 descriptor limit (compose gives `ws` 65,536). Root may raise it.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(hard, 65536), max(hard, 65536)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    tmp = Path(tempfile.mkdtemp(prefix="ws-load-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aicc.settings",
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{tmp / 'db.sqlite3'}"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_DEBUG": "false",
        "THROTTLE_SESSION_PER_MINUTE": "100000",
        "THROTTLE_KEY_PER_MINUTE": "1000000",
        "CELERY_BROKER_URL": "memory://",
        "DJANGO_LOG_LEVEL": "WARNING",
        # SQLite: keep the connection (one DB thread under ASGI); PostgreSQL: use the pool.
        "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "600"),
        "DATABASE_POOL": os.environ.get("DATABASE_POOL", "true"),
    }
    app = _experiment(env, tmp, args)
    customers, desk = _prepare(env, args.sockets)
    log(f"prepared {len(customers)} conversations in {env['DATABASE_URL'].split(':')[0]}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run `finally`: stop the server
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = _start_server(env, port, app, args.ws)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/monitoring/health", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        server = psutil.Process(proc.pid)
        result = asyncio.run(
            asyncio.wait_for(_main(args, port, server, customers, desk), args.timeout)
        )
        result["db"] = env["DATABASE_URL"].split(":")[0]
        pauses = (
            [float(x) for x in (tmp / "gc.log").read_text().split()]
            if (tmp / "gc.log").exists()
            else []
        )
        result.update(
            gc=args.gc or "project",
            gc_full_collections=len(pauses),
            gc_full_max_ms=max(pauses, default=0.0),
            gc_full_total_ms=round(sum(pauses)),
        )
        result.update(
            warm_nlu=args.warm_nlu,
            ws=args.ws,
            join_each=args.join_each,
            arrivals="lockstep" if args.lockstep else "poisson",
            db_threads=args.db_threads or "default",
        )
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()  # uvicorn waits for open sockets otherwise


if __name__ == "__main__":
    main()
