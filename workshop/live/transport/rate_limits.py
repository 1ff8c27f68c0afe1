"""How many socket events one person may send.

Flask-Limiter only knows HTTP requests, so socket events use `limits`, the library underneath
it, directly: the same limit strings ("50 per second; 1000 per minute"), moving windows and
storage backends (memory://, or redis:// to share the count across processes).
The key is the person (participant or facilitator) in a session, not the connection, so
opening more connections buys nothing.
"""
from __future__ import annotations

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from workshop.ops import Rejected


class EventLimiter:
    def __init__(self, limit: str, storage_uri: str, enabled: bool = True):
        self.limit = limit
        self.items = parse_many(limit)
        self.enabled = enabled
        self.strategy = MovingWindowRateLimiter(storage_from_string(storage_uri))

    def check(self, key: str) -> None:
        """Count one event for key; raise Rejected('rate_limited') when over the limit."""
        if not self.enabled:
            return
        for item in self.items:
            if not self.strategy.hit(item, "socket-events", key):
                raise Rejected("rate_limited", f"Too many messages (limit: {self.limit}). "
                                               "Wait a moment; nothing was changed.")
