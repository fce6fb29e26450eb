"""A real Celery worker on the machine's Redis: runs a task, retries, survives SIGKILL.

Run by .ci/run with AICC_WORKER_TESTS=1 (Redis on 127.0.0.1:6379). The worker is a subprocess
with its own file SQLite database, migrated first; this test reads that file directly.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        os.environ.get("AICC_WORKER_TESTS") != "1",
        reason="set AICC_WORKER_TESTS=1 (needs Redis on 127.0.0.1:6379)",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("AICC_WORKER_TEST_REDIS", "redis://127.0.0.1:6379/2")
VISIBILITY_TIMEOUT = 4


@pytest.fixture(scope="module")
def worker_env(tmp_path_factory) -> dict[str, str]:
    import redis

    redis.Redis.from_url(BROKER).flushdb()
    db = tmp_path_factory.mktemp("worker") / "db.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "REDIS_URL": BROKER,
        "CELERY_BROKER_URL": BROKER,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "DJANGO_SETTINGS_MODULE": "aicc.settings",
        "AICC_DB_FILE": str(db),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    return env


def _start_worker(env: dict[str, str], name: str) -> subprocess.Popen:
    celery = str(Path(sys.executable).parent / "celery")
    return subprocess.Popen(
        [
            celery,
            "-A",
            "aicc",
            "worker",
            "-P",
            "solo",
            "-Q",
            "default,realtime,sync,reports",
            "-n",
            f"{name}@%h",
            "-l",
            "info",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def worker(worker_env) -> Iterator[list[subprocess.Popen]]:
    procs = [_start_worker(worker_env, "w1")]
    yield procs
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _send(key: str, **kwargs: object) -> None:
    from celery import Celery

    app = Celery(broker=BROKER)
    app.send_task("integrations.worker_probe", kwargs={"key": key, **kwargs}, queue="default")


def _receipt(env: dict[str, str], key: str) -> dict | None:
    with sqlite3.connect(env["AICC_DB_FILE"], timeout=20) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute(
            "SELECT deliveries, effects, completed_at FROM integrations_taskreceipt WHERE key=?",
            (key,),
        ).fetchone()
    return dict(row) if row else None


def _wait_for(check, timeout: float) -> dict:  # noqa: ANN001  a predicate over the receipt
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s")


def test_it_executes_a_task(worker_env, worker) -> None:
    key = f"run-{uuid.uuid4()}"
    _send(key)
    row = _wait_for(lambda: (r := _receipt(worker_env, key)) and r["completed_at"] and r, 60)
    assert (row["deliveries"], row["effects"]) == (1, 1)


def test_it_retries_a_retryable_failure(worker_env, worker) -> None:
    key = f"retry-{uuid.uuid4()}"
    _send(key, fail_times=1)
    row = _wait_for(lambda: (r := _receipt(worker_env, key)) and r["completed_at"] and r, 60)
    assert (row["deliveries"], row["effects"]) == (2, 1)


def test_it_redelivers_a_task_killed_mid_flight_and_applies_it_once(worker_env, worker) -> None:
    key = f"kill-{uuid.uuid4()}"
    _send(key, seconds=3)
    _wait_for(lambda: (r := _receipt(worker_env, key)) and r["deliveries"] == 1, 60)
    os.killpg(worker[0].pid, signal.SIGKILL)  # no ack was sent: the task stays unacked in Redis
    worker[0].wait(timeout=10)
    assert _receipt(worker_env, key)["completed_at"] is None

    worker.append(_start_worker(worker_env, "w2"))
    # Redis hands the unacked task out again once the visibility timeout has passed.
    row = _wait_for(
        lambda: (r := _receipt(worker_env, key)) and r["completed_at"] and r,
        VISIBILITY_TIMEOUT + 60,
    )
    assert row["deliveries"] >= 2
    assert row["effects"] == 1
