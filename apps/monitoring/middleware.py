from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from apps.core.api import json_error
from apps.monitoring.metrics import HTTP_LATENCY, HTTP_REQUESTS


class ApiGuardMiddleware:
    """Refuse oversized API bodies with the JSON envelope before anything parses them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                return json_error(
                    request, 413, "payload_too_large", _("요청 본문은 64KB 이하여야 합니다.")
                )
        return self.get_response(request)


class MetricsMiddleware:
    """Count and time every request by its URL route (bounded labels, not raw paths)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        endpoint = match.route if match is not None else "unmatched"
        HTTP_LATENCY.labels(endpoint).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
        return response
