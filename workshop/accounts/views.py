from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from sqlalchemy import select

from workshop.accounts.models import Facilitator
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


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        try:
            form = LoginForm().load(request.form.to_dict())
        except ValidationError:
            flash(_("Bitte E-Mail-Adresse und Passwort angeben."), "error")
            return render_template("accounts/login.html", email=request.form.get("email", "")), 400
        user = db().scalars(
            select(Facilitator).where(Facilitator.email == form["email"].strip().lower())
        ).first()
        if user is None or not user.check_password(form["password"]):
            flash(_("E-Mail-Adresse oder Passwort ist falsch."), "error")
            return render_template("accounts/login.html", email=form["email"]), 401
        login_user(user)
        return redirect(_safe_next(form["next"]) or url_for("measures.register"))
    return render_template("accounts/login.html", email="", next=request.args.get("next", ""))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("Sie sind abgemeldet."), "info")
    return redirect(url_for("accounts.login"))
