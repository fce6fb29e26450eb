from __future__ import annotations

from django.urls import URLPattern

# Consumers are added with the agent desk and customer web chat (DESIGN §6).
websocket_urlpatterns: list[URLPattern] = []
