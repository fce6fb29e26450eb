"""Websocket consumers (DESIGN §6): they authenticate, join groups, forward, and call services.

Close codes: 4401 not authenticated, 4403 not allowed (e.g. joining someone else's chat),
4400 bad frame. Clients send {"type": "ping"} every ~20 s and get {"type": "pong"}; a missing
pong makes them reconnect and resync from history?after_seq=.

`desk.py` is the agent's and supervisor's socket, `customer.py` the web chat's; `base.py` holds
what they share (database calls off the event loop, loop-only dispatch).
"""

from apps.chat.consumers.customer import CustomerConsumer
from apps.chat.consumers.desk import DeskConsumer

__all__ = ["CustomerConsumer", "DeskConsumer"]
