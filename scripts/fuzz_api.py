"""Fuzz the chat API with schemathesis against a live server (run by .ci/run).

Prepares a throw-away SQLite database with the demo content and two channel keys, serves the
portal with uvicorn on a free loopback port, and runs every schemathesis check — including
object-level authorisation with the two keys — over every operation. Fails when schemathesis
finds anything or generates fewer than MIN_CASES test cases.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MIN_CASES = 1000
SUPERVISOR = "super.yoon"  # the demo organisation's supervisor (apps/core/demo/organisation.json)
CONFIG = ROOT / "scripts" / "schemathesis.toml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603  fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310  loopback only
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"server did not answer at {url}")


def read_report(report: Path) -> tuple[int, dict[str, Counter[int]]]:
    """Cases generated, and the statuses each operation answered, from the NDJSON report."""
    cases = 0
    statuses: dict[str, Counter[int]] = defaultdict(Counter)
    for line in report.read_text().splitlines():
        body = json.loads(line).get("ScenarioFinished")
        if not body:
            continue
        recorder = body.get("recorder", {})
        cases += len(recorder.get("cases", {}))
        for case_id, interaction in recorder.get("interactions", {}).items():
            case = recorder["cases"].get(case_id, {}).get("value", {})
            response = interaction.get("response") or {}
            if case and "status_code" in response:
                label = f"{case['method']} {case['path']}"
                statuses[label][response["status_code"]] += 1
    return cases, statuses


def unreached(statuses: dict[str, Counter[int]], operations: list[str]) -> list[str]:
    """Operations whose core logic no case reached.

    A 2xx, or a 409 (the operation found the resource and refused the state change), shows the
    request got past authentication, permissions and the lookup. An operation that only ever
    answered 400/401/403/404 was fuzzed at its front door and nowhere else.
    """
    return [
        op
        for op in operations
        if not any(200 <= code < 300 or code == 409 for code in statuses.get(op, {}))
    ]


def schema_operations(base: str) -> list[str]:
    with urllib.request.urlopen(f"{base}/api/schema/?format=json", timeout=30) as reply:  # noqa: S310
        schema = json.load(reply)
    methods = {"get", "post", "put", "patch", "delete"}
    return [
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method in methods
    ]


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="aicc-fuzz-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
        AICC_DEMO_PASSWORD=os.urandom(12).hex(),  # a throw-away database nobody logs into
        THROTTLE_SESSION_PER_MINUTE="100000",
        THROTTLE_KEY_PER_MINUTE="1000000",
    )
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_demo")
    keys = [
        manage(env, "channel_key", "create", "--name", n).strip().splitlines()[-1]
        for n in ("fuzz-a", "fuzz-b")
    ]
    # Both users also carry the demo supervisor's token, so the staff operations are fuzzed past
    # their permission check instead of answering 403 to every case.
    token = manage(env, "drf_create_token", SUPERVISOR).split()[2]
    auth = {
        "auth": [
            {
                "name": name,
                "fixedHeaders": [
                    {"name": "X-Api-Key", "value": key},
                    {"name": "Authorization", "value": f"Token {token}"},
                ],
            }
            for name, key in zip(("a", "b"), keys, strict=True)
        ]
    }
    (work / "users.json").write_text(json.dumps(auth))
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "uvicorn"),
            "aicc.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/api/monitoring/health")
        operations = schema_operations(base)
        report = work / "events.ndjson"
        result = subprocess.run(  # noqa: S603
            [
                str(BIN / "st"),
                "--config-file",
                str(CONFIG),
                "run",
                f"{base}/api/schema/",
                "--checks",
                "all",
                "--max-examples",
                os.environ.get("FUZZ_EXAMPLES", "60"),
                "--max-time",
                os.environ.get("FUZZ_SECONDS", "120"),
                "--seed",
                "20261126",
                "--auth-wfc",
                str(work / "users.json"),
                "--request-timeout",
                "30",
                "--report",
                "ndjson",
                "--report-ndjson-path",
                str(report),
                "--no-color",
            ],
            cwd=ROOT,
            env=env,
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
    cases, statuses = read_report(report) if report.exists() else (0, {})
    for op in operations:
        seen = ", ".join(f"{code}×{n}" for code, n in sorted(statuses.get(op, {}).items()))
        print(f"  {op}: {seen or 'no responses'}")
    missed = unreached(statuses, operations)
    print(f"schemathesis generated {cases} test cases (minimum {MIN_CASES})")
    if missed:
        print(f"no case reached the core logic of: {', '.join(missed)}")
    if result.returncode != 0:
        return result.returncode
    return 0 if cases >= MIN_CASES and not missed else 1


if __name__ == "__main__":
    sys.exit(main())
