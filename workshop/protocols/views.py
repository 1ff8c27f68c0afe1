from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_login import login_required

from workshop.protocols.html import PROTOCOL_CSP
from workshop.protocols.export import FORMATS, export_protocol, protocol_filename
from workshop.web import db, session_or_404

bp = Blueprint("protocols", __name__)


@bp.route("/sessions/<session_id>/protocol.<fmt>")
@login_required
def protocol(session_id, fmt):
    if fmt not in FORMATS:
        abort(404)
    ws = session_or_404(session_id)
    text, mimetype = export_protocol(db(), ws, fmt)
    response = Response(text, mimetype=mimetype)
    if fmt == "html":
        response.headers["Content-Security-Policy"] = PROTOCOL_CSP
    if fmt != "html" or request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{protocol_filename(ws, fmt)}"'
    return response
