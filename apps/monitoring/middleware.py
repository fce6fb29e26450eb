from __future__ import annotations

import math
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.core.api import json_error
from apps.monitoring.metrics import HTTP_LATENCY, HTTP_REQUESTS, HTTP_SHED

# Probes must keep answering under overload: a shed health check would get the process restarted.
NEVER_SHED = frozenset({"/api/monitoring/health", "/api/monitoring/metrics"})


def _early_error(request: HttpRequest, status: int, code: str, message: Promise) -> HttpResponse:
    """An API error from before LocaleMiddleware runs, in the client's language.

    Django never resets the active language after a request, so without this the message would
    come out in whatever language this thread's previous request used.
    """
    with translation.override(translation.get_language_from_request(request)):
        return json_error(request, status, code, str(message))


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
                return _early_error(
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


def _request_start(request: HttpRequest) -> float | None:
    """When nginx took the request (`X-Request-Start: t=<seconds>`), or None if unknown."""
    value = request.headers.get("X-Request-Start", "")
    if not value.startswith("t="):
        return None
    try:
        started = float(value[2:])
    except ValueError:
        return None
    return started if math.isfinite(started) else None


class QueueDeadlineMiddleware:
    """Refuse API requests that waited in the queue past the deadline, before any work on them.

    Under overload the backlog grows until every client times out; answering the oldest requests
    with a quick 503 keeps the queue short enough for the rest to be served in time.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._too_old(request):
            HTTP_SHED.inc()
            response = _early_error(
                request, 503, "overloaded", _("지금 요청이 많아 잠시 후 다시 시도해 주세요.")
            )
            response["Retry-After"] = "2"
            # Counted in aicc_http_shed_total instead of one ERROR log line each: under overload
            # thousands a minute would flood the logs and spend the CPU shedding saves.
            response._has_been_logged = True  # type: ignore[attr-defined]
            return response
        return self.get_response(request)

    def _too_old(self, request: HttpRequest) -> bool:
        deadline = settings.API_QUEUE_DEADLINE_SECONDS
        if deadline <= 0 or not request.path.startswith("/api/") or request.path in NEVER_SHED:
            return False
        started = _request_start(request)
        if started is None:
            return False
        # A stamp from the future (clock skew, a stamp in ms) has a negative age: it is served.
        return time.time() - started > deadline
