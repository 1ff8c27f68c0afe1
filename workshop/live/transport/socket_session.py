"""What Flask does for every Socket.IO event that only needs doing once per connection.

Flask-SocketIO runs every event in a request context built from the connection's environ (the
same dict for all events of one websocket). Building and pushing it:

- opens the session (parse the Cookie header, verify its signature), after which Flask-SocketIO
  replaces it with the connection's own copy (`environ["saved_session"]`, made at the first
  event): 7 % of the process's busy time in a vote storm (py-spy). The cookie cannot change
  during a websocket, so returning that copy is what Flask-SocketIO would install anyway;
- binds the URL map to the environ and matches the path (/socket.io/, no route: a NotFound is
  built and kept): 11 % of the busy time in a 500-phone vote storm (bench/vote_storm.py
  --sample). The environ does not change either, so the first event's adapter and match serve
  the connection's later events. (An HTTP request brings a fresh environ: nothing is shared.)
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.ctx import RequestContext
from flask.sessions import SecureCookieSessionInterface

# Flask-SocketIO's key for the connection's session (flask_socketio.SocketIO._handle_event).
SAVED_SESSION = "saved_session"


class SocketAwareSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        saved = request.environ.get(SAVED_SESSION)
        if saved is not None:  # an event of a connection whose session is known already
            return saved
        return super().open_session(app, request)


_URL_ADAPTER = "workshop.url_adapter"
_MATCHED = "workshop.matched_route"


class _RequestContext(RequestContext):
    def match_request(self) -> None:
        environ = self.request.environ
        matched = environ.get(_MATCHED)
        if matched is None:
            super().match_request()
            refused = self.request.routing_exception
            if refused is not None:  # kept for the connection's life: not the frames it was raised in
                refused.__traceback__ = refused.__context__ = refused.__cause__ = None
            matched = environ[_MATCHED] = (self.request.url_rule, self.request.view_args, refused)
        self.request.url_rule, self.request.view_args, self.request.routing_exception = matched


class WorkshopFlask(Flask):
    """Flask, with a connection's URL adapter and route match made once (see the module's doc)."""

    def create_url_adapter(self, request: Any):
        if request is None:
            return super().create_url_adapter(request)
        adapter = request.environ.get(_URL_ADAPTER)
        if adapter is None:
            adapter = request.environ[_URL_ADAPTER] = super().create_url_adapter(request)
        return adapter

    def request_context(self, environ: dict) -> RequestContext:
        return _RequestContext(self, environ)
