from __future__ import annotations

from django.urls import URLPattern, path

from apps.chat import consumers

# The Origin check and session auth wrap these in aicc/asgi.py (DESIGN §6).
websocket_urlpatterns: list[URLPattern] = [
    path("ws/desk/", consumers.DeskConsumer.as_asgi()),
    path("ws/chat/", consumers.CustomerConsumer.as_asgi()),
]
