"""gunicorn settings for the HTTP API: `gunicorn aicc.wsgi -c scripts/gunicorn.conf.py`.

Sync DRF views measured about 3x faster under gunicorn gthread than under an ASGI server on this
machine (issue 4), so plain HTTP is served here; websockets stay on the ASGI server (uvicorn).
Run with DATABASE_CONN_MAX_AGE > 0: each worker thread keeps its connection, so a request does
not pay a PostgreSQL connect (persistent connections are safe under WSGI threads, unlike ASGI).
Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

from __future__ import annotations

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
# One worker per core; threads overlap the database round trips of one request with the CPU work
# of another. More threads than this only queue on the GIL and add latency.
workers = int(os.environ.get("WEB_WORKERS", os.cpu_count() or 2))
threads = int(os.environ.get("WEB_THREADS", "4"))
# No preload: aicc/wsgi.py loads the Korean analyser (Kiwi), whose worker threads do not survive
# a fork; a preloaded master hands workers an analyser whose batch calls hang forever (the NLU
# index build on the first chat request). Each worker loads its own before serving instead.
preload_app = False
backlog = 4096
keepalive = 30
timeout = 60
loglevel = "warning"
accesslog = None


def post_worker_init(worker: object) -> None:
    """Build the bot's NLU index before the worker takes requests.

    Built lazily, the first chat request of each worker paid for it (seconds on a busy machine)
    and every request queued behind it waited too: the start of a load run showed p95 in
    seconds. A failure here (database not up yet) only leaves the lazy build in place.
    """
    from django.db import connections

    try:
        from apps.nlu.index import get_bot_index

        get_bot_index()
    except Exception:  # noqa: BLE001  never keep a worker from starting
        worker.log.warning("bot index warm-up failed; it will be built on first use")  # type: ignore[attr-defined]
    finally:
        connections.close_all()  # request threads open their own connections
