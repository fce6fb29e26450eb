"""ASGI entry point: HTTP goes to Django, websockets to the Channels consumers (DESIGN §6)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aicc.settings")
# Django must be set up before the consumers (and their models) are imported.
django_asgi_app = get_asgi_application()

# Servers load the Korean analyser (~0.5 GiB, seconds) before the first request, so no customer
# waits for it; management commands import neither entry point and stay light.
from apps.nlu.morph import warm_up  # noqa: E402

warm_up()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from apps.chat.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Origin must be an allowed host, so another site cannot open sockets with our cookies.
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
