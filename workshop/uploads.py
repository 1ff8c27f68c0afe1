"""How large a request body may be, per endpoint, checked before the body is read.

The app-wide limit is MAX_CONTENT_LENGTH (1 MB). A page that takes files says how much with
`uploads.allow(endpoint, request_bytes, file_bytes)`; the larger limit is set in a
url_value_preprocessor, which runs before every before_request — so before the CSRF check
reads the form (a limit raised later came too late: the CSRF check refused a 2 MB PDF with the
1 MB limit). A body whose Content-Length is over the limit is refused at once, unread; one
without a length is cut off by Werkzeug's capped stream at the limit. The refusal is a page of
the app (413) in the viewer's language that names the limit; a blueprint may answer its own
way instead (register and protocol uploads go back to their form with the message).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge


@dataclass(frozen=True)
class Limit:
    request_bytes: int  # the whole body: files and form fields
    file_bytes: int  # what the person is told: one file at most this


_LIMITS: dict[str, Limit] = {}


def allow(endpoint: str, request_bytes: int, file_bytes: int) -> None:
    _LIMITS[endpoint] = Limit(request_bytes, file_bytes)


def megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value >= 1 and value == int(value) else f"{value:.1f}"


def limit_here() -> Limit:
    """The limit in force for this request."""
    limit = _LIMITS.get(request.endpoint or "")
    if limit is not None and request.method in ("POST", "PUT", "PATCH"):
        return limit
    default = current_app.config["MAX_CONTENT_LENGTH"]
    return Limit(default, default)


def _apply(_endpoint, _values) -> None:
    limit = limit_here()
    request.max_content_length = limit.request_bytes
    g.upload_limit = limit
    if request.content_length is not None and request.content_length > limit.request_bytes:
        raise RequestEntityTooLarge()  # refused on its announced length, before a byte is read


def too_large_message() -> str:
    limit = getattr(g, "upload_limit", None) or limit_here()
    if limit.file_bytes != limit.request_bytes:
        return _(
            "Die Anfrage ist zu groß: eine Datei darf höchstens %(file)s MB haben, alles zusammen höchstens %(max)s MB.",
            file=megabytes(limit.file_bytes),
            max=megabytes(limit.request_bytes),
        )
    return _("Die Anfrage ist zu groß: höchstens %(max)s MB.", max=megabytes(limit.request_bytes))


def too_large_page(_error=None):
    back = request.path if request.method != "GET" else None
    return render_template("errors/too_large.html", message=too_large_message(), back=back), 413


def init_app(app: Flask) -> None:
    app.url_value_preprocessor(_apply)
    app.register_error_handler(RequestEntityTooLarge, too_large_page)
