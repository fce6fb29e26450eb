"""Websocket routes and their Origin policy (DESIGN §6).

`websocket_urlpatterns` are the bare consumers (tests set `scope["user"]` themselves).
`websocket_application` is the whole websocket stack, one policy per socket:

- `/ws/desk/` authenticates with the session cookie, so a page on another site could open it
  with the agent's cookies (cross-site websocket hijacking). The Origin header must name an
  allowed host; a handshake without Origin is refused too.
- `/ws/chat/` authenticates with the channel key, never a cookie. Browsers always send Origin,
  and a browser page on another host is refused as before. Native apps and server-side clients
  send no Origin at all: they are let in only when the handshake itself carries valid
  credentials (`?key=&user_id=&session_id=`, the key may come as an `X-Api-Key` header), checked
  before the socket is accepted (CustomerConsumer.connect). An Origin header proves nothing
  against a non-browser client, which can forge it, so this weakens nothing.
"""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import URLPattern, path

from apps.chat import consumers

websocket_urlpatterns: list[URLPattern] = [
    path("ws/desk/", consumers.DeskConsumer.as_asgi()),
    path("ws/chat/", consumers.CustomerConsumer.as_asgi()),
]

ORIGIN_MISSING = "origin_missing"


class CustomerOriginValidator:
    """Allowed-host Origin for browsers; no Origin marks the scope for key-only handshakes."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self.browsers = AllowedHostsOriginValidator(application)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if any(name == b"origin" for name, _ in scope.get("headers", [])):
            return await self.browsers(scope, receive, send)
        return await self.application({**scope, ORIGIN_MISSING: True}, receive, send)


# The customer route skips the session/auth middleware: it never uses `scope["user"]`, and
# resolving it cost every customer handshake a database thread hop during reconnect storms.
websocket_application = URLRouter(
    [
        path(
            "ws/desk/",
            AllowedHostsOriginValidator(AuthMiddlewareStack(consumers.DeskConsumer.as_asgi())),
        ),
        path("ws/chat/", CustomerOriginValidator(consumers.CustomerConsumer.as_asgi())),
    ]
)
