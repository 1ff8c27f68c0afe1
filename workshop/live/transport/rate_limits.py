"""How many socket events one person may send.

Flask-Limiter only knows HTTP requests, so socket events use `limits`, the library underneath
it, directly: the same limit strings ("50 per second; 1000 per minute"), moving windows and
storage backends (memory://, or redis:// to share the count across processes).
The key is the person (participant or facilitator) in a session, not the connection, so
opening more connections buys nothing.
"""

from __future__ import annotations

from workshop.ops import Rejected
from workshop.rate_limits import ResilientLimiter


class EventLimiter:
    def __init__(self, limit: str, limiter: ResilientLimiter):
        self.limit = limit
        self.limiter = limiter  # falls back to counting in memory while Redis is away

    def check(self, key: str) -> None:
        """Count one event for key; raise Rejected('rate_limited') when over the limit."""
        if not self.limiter.hit(self.limit, "socket-events", key):
            raise Rejected(
                "rate_limited", f"Too many messages (limit: {self.limit}). Wait a moment; nothing was changed."
            )
