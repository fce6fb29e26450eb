"""Container healthcheck: GET /api/monitoring/health on the local web process.

Sent with the first DJANGO_ALLOWED_HOSTS name (Django refuses unknown Host headers with 400) and
X-Forwarded-Proto: https (AICC_HTTPS redirects plain HTTP; the health path is exempt anyway).
Exits 0 when the portal answers 200 ("ok" or "degraded"), 1 otherwise.
"""

from __future__ import annotations

import http.client
import os
import sys


def main() -> int:
    hosts = [h.strip().lstrip(".") for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")]
    host = next((h for h in hosts if h and h != "*"), "localhost")
    connection = http.client.HTTPConnection(
        "127.0.0.1", int(os.environ.get("PORT", "8000")), timeout=4
    )
    try:
        connection.request(
            "GET", "/api/monitoring/health", headers={"Host": host, "X-Forwarded-Proto": "https"}
        )
        return 0 if connection.getresponse().status == 200 else 1
    except OSError:
        return 1
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(main())
