from __future__ import annotations

import secrets
import threading
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from workshop import rate_limits
from workshop.access import revocation
from workshop.accounts.models import Facilitator
from workshop.offload import run_blocking
from workshop.web import db

bp = Blueprint("accounts", __name__)


class LoginForm(Schema):
    class Meta:
        unknown = EXCLUDE  # the CSRF token travels along

    email = fields.String(required=True, validate=validate.Length(1, 254))
    password = fields.String(required=True, validate=validate.Length(1, 1024))
    next = fields.String(load_default="")


def _safe_next(target: str) -> str | None:
    """Only same-site paths: a login link must not bounce anyone to another site."""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return None


# Hashed against when the e-mail is unknown, so the answer takes as long as for a wrong
# password and does not tell which e-mail addresses have an account.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16), method="scrypt")


# One hash at a time per process: scrypt is CPU-bound, and a burst of logins must leave the
# other core(s) to the live sessions (the semaphore is green under eventlet/gevent).
_HASHING = threading.BoundedSemaphore(1)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        try:
            form = LoginForm().load(request.form.to_dict())
        except ValidationError:
            flash(_("Bitte E-Mail-Adresse und Passwort angeben."), "error")
            return render_template("accounts/login.html", email=request.form.get("email", "")), 400
        email = form["email"].strip().lower()
        if refused := rate_limits.login_refused(email):  # before any hashing
            return refused
        user = db().scalars(select(Facilitator).where(Facilitator.email == email)).first()
        stored = user.password_hash if user is not None else _DUMMY_HASH
        with _HASHING:
            correct = run_blocking(check_password_hash, stored, form["password"])
        if user is None or not correct:
            rate_limits.login_failed(email)
            flash(_("E-Mail-Adresse oder Passwort ist falsch."), "error")
            return render_template("accounts/login.html", email=form["email"]), 401
        login_user(user)
        return redirect(_safe_next(form["next"]) or url_for("measures.register"))
    return render_template("accounts/login.html", email="", next=request.args.get("next", ""))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = db().get(Facilitator, current_user.id)
    user.revoke_logins()  # every cookie issued so far stops working, on every device
    db().commit()
    revocation.now()  # this process's sockets of the account close now, the others' at their sweep
    logout_user()
    flash(_("Sie sind abgemeldet."), "info")
    return redirect(url_for("accounts.login"))
