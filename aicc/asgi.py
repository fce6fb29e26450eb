"""ASGI entry point: HTTP goes to Django, websockets to the Channels consumers (DESIGN §6)."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aicc.settings")
# Django must be set up before the consumers (and their models) are imported.
django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402

# Servers that run the bot load the Korean analyser (~0.5 GiB, seconds) before the first request,
# so no customer waits for it. Websocket-only processes (compose's `ws`: customers send through
# the HTTP API and only listen here) skip it with AICC_WARM_NLU=false and stay small.
if settings.AICC_WARM_NLU:
    from apps.nlu.morph import warm_up

    warm_up()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from apps.chat.routing import websocket_application  # noqa: E402

# websocket_application checks Origin per route: the desk (cookie login) needs an allowed-host
# Origin; the customer socket accepts a missing Origin only with valid channel-key credentials.
application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket_application})

# A websocket process keeps ~100 long-lived objects per socket, and CPython's full collections
# walk them all: 35 pauses of up to 1 s in a minute at 5,000 sockets, which were the round
# trip's p99 (bench/ws_load.py --gc python: p50/p95/p99 5.3/26/106 ms). Freezing what start-up
# made and collecting the young generation less often keeps full collections rare: 5.7/18/33 ms
# at 200 messages/s. AICC_GC_THRESHOLDS tunes it.
gc.freeze()
gc.set_threshold(*settings.AICC_GC_THRESHOLDS)
