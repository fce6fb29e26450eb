"""What both consumers share: database calls off the event loop, loop-only dispatch, scope parsing.

Throughput (issue 5 benchmark): the event loop never waits for the one shared sync thread.
Database work runs in a small thread pool on PostgreSQL (`db`), group sends are awaited on the
loop after the database call returns (`broadcast.deferred`/`flush`), and frames and group events
skip Channels' per-event `close_old_connections` hop (`LoopOnly.dispatch`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any, ParamSpec, TypeVar
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connections

from apps.chat import broadcast

P = ParamSpec("P")
R = TypeVar("R")

# Threads for consumer database work on PostgreSQL: each holds at most one pooled connection
# (DATABASE_POOL_MAX defaults to 20; Django's per-request HTTP threads need some too).
DB_THREADS: int = getattr(settings, "WS_DB_THREADS", 8)
_db_pool = ThreadPoolExecutor(max_workers=DB_THREADS, thread_name_prefix="ws-db")


@cache
def _sqlite() -> bool:
    # From the settings, not `connections["default"]`: on the event loop that would create a
    # DatabaseWrapper in every socket's context (asgiref Local), kept as long as the socket.
    return str(connections.settings["default"]["ENGINE"]).endswith("sqlite3")


def db(func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """`database_sync_to_async` for consumers: parallel on PostgreSQL, serial on SQLite.

    Channels' default is one thread for every socket of the process, so a slow call (a reply
    and its Redis sends) held up every handshake and message behind it. The consumers keep no
    thread-bound state (no ORM objects shared between calls that are written to), so PostgreSQL
    work may run on any pooled thread. SQLite keeps the single thread: it serialises writers
    anyway and a shared-cache test database raises "table is locked" under parallel writers.
    """
    if _sqlite():
        return database_sync_to_async(func)
    return database_sync_to_async(func, thread_sensitive=False, executor=_db_pool)


def deferred(func: Callable[P, R]) -> Callable[P, tuple[R, broadcast.Outbox]]:
    """Run a service with its after-commit group sends collected for `broadcast.flush`."""

    def run(*args: P.args, **kwargs: P.kwargs) -> tuple[R, broadcast.Outbox]:
        try:
            with broadcast.deferred() as outbox:
                result = func(*args, **kwargs)
        except Exception:
            # Work committed before the error (if any) is still announced, the slow way.
            for group, event in outbox:
                broadcast.send(group, event)
            raise
        return result, outbox

    return run


class LoopOnly:
    """Dispatch without Channels' `aclose_old_connections()` before every handler.

    That hop runs on the single sync thread for each handshake, frame and group event, so a
    group message to 5,000 sockets queued 5,000 thread hops behind any database call. These
    consumers touch the database only through `db`, which closes stale connections itself.
    """

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)


def query(scope: dict[str, Any]) -> dict[str, str]:
    parsed = parse_qs(scope.get("query_string", b"").decode(errors="replace"))
    return {key: values[0] for key, values in parsed.items()}


def header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""
