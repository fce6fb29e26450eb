"""settings.DATABASES from the environment: SQLite by default, PostgreSQL with DATABASE_URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import environ


def database_config(env: environ.Env, base_dir: Path) -> dict[str, Any]:
    """The "default" database: tuned per engine, pooled under ASGI when DATABASE_POOL is set.

    Under ASGI the psycopg pool replaces persistent connections, which leak there (DESIGN §12).
    """
    db = env.db("DATABASE_URL", default=f"sqlite:///{base_dir / 'db.sqlite3'}")
    db["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
    options = db.setdefault("OPTIONS", {})
    if db["ENGINE"] == "django.db.backends.postgresql":
        # Server-side binding and prepared statements: psycopg stops quoting each parameter in
        # Python and PostgreSQL stops re-planning the hot statements (+30-60 % chat API
        # throughput, bench/chat_load.py). Prepared statements live on one server connection:
        # behind PgBouncer in transaction mode set DATABASE_PREPARE_THRESHOLD=0.
        options["server_side_binding"] = env.bool("DATABASE_SERVER_BINDING", default=True)
        options["prepare_threshold"] = env.int("DATABASE_PREPARE_THRESHOLD", default=5) or None
        if env.bool("DATABASE_POOL", default=False):
            db["CONN_MAX_AGE"] = 0
            options["pool"] = {
                "min_size": env.int("DATABASE_POOL_MIN", default=2),
                "max_size": env.int("DATABASE_POOL_MAX", default=20),
                "timeout": 10,
            }
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL + a busy timeout let the web process and the Celery worker share the file.
        options["timeout"] = 20
        options["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    return db
