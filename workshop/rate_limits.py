"""HTTP rate limits (Flask-Limiter), keyed by the client's address.

- joins: every POST that may create a participant (/join, /j/<code>, /api/join) counts;
- wrong codes: every answer "no such session" (404) on the join routes counts, GET included,
  so guessing join codes is throttled (25^6 codes; at 60 misses a minute that takes centuries).

A whole room often shares one address (the venue's Wi-Fi behind NAT), so the join limit is
generous by default. Everything is configurable (see config.py); behind a reverse proxy set
WORKSHOP_PROXY_FIX so the address is the phone's, not the proxy's.
"""
from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

limiter = Limiter(get_remote_address)

joins = limiter.shared_limit(lambda: current_app.config["JOIN_RATE_LIMIT"], scope="joins", methods=["POST"])
wrong_codes = limiter.shared_limit(lambda: current_app.config["WRONG_CODE_RATE_LIMIT"], scope="wrong-join-codes",
                                   deduct_when=lambda response: response.status_code == 404)

# Barrier reports need no account; a person sends a few, a script thousands.
barrier_reports = limiter.shared_limit(lambda: current_app.config["BARRIER_REPORT_RATE_LIMIT"],
                                       scope="barrier-reports", methods=["POST"])


def init_rate_limits(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)  # Retry-After on a 429
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, _too_many)


def _too_many(error: RateLimitExceeded):
    message = (f"Too many attempts from your address (limit: {error.description}). "
               "Please wait a moment and try again.")
    if request.path.startswith("/api/"):
        response = jsonify(ok=False, error={"code": "rate_limited", "message": message})
    else:
        response = Response("Zu viele Versuche von Ihrer Adresse – bitte warten Sie einen Moment und "
                            f"versuchen Sie es dann erneut.\n\n{message}\n", mimetype="text/plain")
    response.status_code = 429
    return response
