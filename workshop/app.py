"""create_app(): the Flask app with its database, login, CSRF, Socket.IO and blueprints."""

from __future__ import annotations

import logging

from flask import Flask, redirect, url_for
from flask_babel import lazy_gettext
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from workshop import assets, jobs, uploads
from workshop.config import PROJECT_ROOT, load_config
from workshop.db import engine_for, make_session_factory
from workshop.extensions import csrf, login_manager, socketio
from workshop.guards import AddressCap, WithoutWebsocketExtensions, bound_logging, refuse_binary_packets
from workshop.i18n import init_i18n
from workshop.live.transport.broadcast import Broadcaster
from workshop.live.transport.op_queue import OpQueue
from workshop.live.transport.rate_limits import EventLimiter
from workshop.live.transport.socket_session import SocketAwareSessionInterface, WorkshopFlask
from workshop.rate_limits import init_rate_limits

# A Socket.IO message larger than MAX_SOCKET_MESSAGE_BYTES is answered `too_large` without being
# decoded (guards.py); one larger than MAX_SOCKET_FRAME_BYTES is cut off by the transport, which
# closes that connection (the libraries offer nothing gentler for a frame they refuse to read).
MAX_SOCKET_MESSAGE_BYTES = 64 * 1024
MAX_SOCKET_FRAME_BYTES = 256 * 1024

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def create_app(overrides: dict | None = None) -> Flask:
    app = WorkshopFlask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(load_config(overrides))
    app.session_interface = SocketAwareSessionInterface()  # decoded once per websocket, not per event

    engine = engine_for(app.config)
    sessions = make_session_factory(engine)
    jobs.configure(app.config["JOB_WORKERS"], app.config["JOB_QUEUE"], app.config["JOB_QUEUE_NAME"])
    app.extensions["workshop.engine"] = engine
    app.extensions["workshop.db"] = sessions

    @app.teardown_appcontext
    def _remove_db_session(_exc):
        sessions.remove()

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("Bitte melden Sie sich an.")

    @login_manager.user_loader
    def _load_facilitator(user_id: str):
        from workshop.accounts.models import Facilitator
        from workshop.validation import whole_number

        ident, _dot, epoch = user_id.partition(".")
        number = whole_number(ident)
        if number is None:
            return None
        user = sessions().get(Facilitator, number)
        return user if user is not None and user.matches_epoch(epoch) else None

    uploads.init_app(app)  # body limits per endpoint, in force before the CSRF check reads the form
    csrf.init_app(app)
    init_rate_limits(app)
    app.extensions["workshop.event_limiter"] = EventLimiter(
        app.config["SOCKET_EVENT_RATE_LIMIT"], app.extensions["workshop.limiter"]
    )
    # Inside ProxyFix (wrapped first), so behind nginx it counts the phone's address.
    app.wsgi_app = AddressCap(app.wsgi_app, app.config["MAX_CONNECTIONS_PER_ADDRESS"])  # type: ignore[method-assign]
    if app.config["PROXY_FIX"]:  # behind nginx: the client's address and scheme from X-Forwarded-*
        hops = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]  # Flask's documented way
    broadcaster = Broadcaster(
        app.config["BROADCAST_WINDOW_MS"] / 1000,
        app.config["BROADCAST_WINDOW_PER_PHONE_US"] / 1_000_000,
        app.config["BROADCAST_SLOW_WINDOW_MS"] / 1000,
    )
    app.extensions["workshop.broadcaster"] = broadcaster
    # A database server can hang; SQLite is a file in this process (its waits are not interruptible).
    op_timeout = None if app.config["DATABASE_URL"].startswith("sqlite") else app.config["DB_STATEMENT_TIMEOUT"] or None
    app.extensions["workshop.op_queue"] = OpQueue(sessions.session_factory, broadcaster, op_timeout=op_timeout)
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        channel=app.config["SOCKETIO_CHANNEL"],
        max_http_buffer_size=MAX_SOCKET_FRAME_BYTES,
        ping_interval=app.config["PING_SECONDS"],
        ping_timeout=app.config["PING_SECONDS"],
    )
    refuse_binary_packets(socketio.server, MAX_SOCKET_MESSAGE_BYTES)
    app.wsgi_app = WithoutWebsocketExtensions(app.wsgi_app)  # type: ignore[method-assign]  # outside Socket.IO's

    from workshop.access.views import bp as access_bp
    from workshop.accessibility.views import bp as accessibility_bp
    from workshop.accounts.views import bp as accounts_bp
    from workshop.agenda.format_views import bp as template_editor_bp
    from workshop.agenda.views import bp as agenda_bp
    from workshop.api.views import bp as api_bp
    from workshop.drafting import hub as drafting_hub
    from workshop.drafting import sockets as drafting_sockets  # noqa: F401  (namespace /draft)
    from workshop.drafting.views import bp as drafting_bp
    from workshop.live.transport import sockets  # noqa: F401  (registers the Socket.IO handlers)
    from workshop.measures.views import bp as measures_bp
    from workshop.monitoring.views import bp as monitoring_bp
    from workshop.protocols.views import bp as protocols_bp
    from workshop.register.public_views import bp as public_bp
    from workshop.register.views import bp as register_bp
    from workshop.sessions.views import bp as sessions_bp
    from workshop.suggestions.views import bp as suggestions_bp
    from workshop.tables.views import bp as tables_bp
    from workshop.training.views import bp as training_bp
    from workshop.watchdog import bp as watchdog_bp

    sockets.register_catch_all()

    for blueprint in (
        accounts_bp,
        access_bp,
        measures_bp,
        monitoring_bp,
        sessions_bp,
        protocols_bp,
        template_editor_bp,
        drafting_bp,
        agenda_bp,
        training_bp,
        suggestions_bp,
        tables_bp,
        accessibility_bp,
        register_bp,
        public_bp,
        api_bp,
        watchdog_bp,
    ):
        app.register_blueprint(blueprint)
    drafting_hub.init_app(app)

    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]  # the date filters show local time
    init_i18n(app)
    assets.init_app(app)  # the minified phone script and stylesheet, when built

    @app.route("/")
    def index():
        if current_user.is_authenticated:
            return redirect(url_for("measures.register"))
        return redirect(url_for("sessions.join_form"))

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    logging.getLogger("workshop").setLevel(logging.INFO)
    bound_logging()  # what a client can make us log is bounded per client (guards.py)
    return app
