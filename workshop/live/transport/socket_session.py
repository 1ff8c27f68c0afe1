"""The cookie session of a Socket.IO event, decoded once per connection instead of once per event.

Flask-SocketIO runs every event in a request context built from the connection's environ. Pushing
it makes Flask open the session (parse the Cookie header, verify its signature), after which
Flask-SocketIO replaces it with the connection's own copy (`environ["saved_session"]`, made at
the first event). The decoding was thrown away on every event: 7 % of the process's busy time in
a vote storm (py-spy). The cookie cannot change during a websocket, so returning that copy is
what Flask-SocketIO would install anyway.
"""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface

# Flask-SocketIO's key for the connection's session (flask_socketio.SocketIO._handle_event).
SAVED_SESSION = "saved_session"


class SocketAwareSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        saved = request.environ.get(SAVED_SESSION)
        if saved is not None:  # an event of a connection whose session is known already
            return saved
        return super().open_session(app, request)
