from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.integrations.payments import get_payments


@require_GET
def payment_demo(request: HttpRequest) -> HttpResponse:
    """Where the local payment twin's links land: shows the request if the signature holds."""
    link = get_payments().verify(request.build_absolute_uri())
    status = 200 if link is not None else 400
    return render(request, "integrations/pay_demo.html", {"link": link}, status=status)
