"""The customer web chat demo page (/chat/); the embeddable widget is static/js/widget.js."""

from __future__ import annotations

from csp.decorators import csp_replace
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from apps.core.demo.content import DEMO_CHANNEL_KEY


@require_GET
@xframe_options_exempt  # widget.js frames this page on customer sites; it holds no staff data
@csp_replace({"frame-ancestors": settings.AICC_WIDGET_ORIGINS})
def web_chat(request: HttpRequest) -> HttpResponse:
    # Demo only: a real deployment serves its own channel key here, never the demo one.
    return render(
        request,
        "chat/chat.html",
        {
            "channel_key": DEMO_CHANNEL_KEY,
            "embed": request.GET.get("embed") == "1",
        },
    )
