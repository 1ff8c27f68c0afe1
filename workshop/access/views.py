"""Pages for who may do what: a measure's team, a session's staff and its projector links, and
the projector opened by a link (no login on the room's PC)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import func, select

from workshop.access import policy, revocation
from workshop.access.models import MeasureMember, ProjectorLink, SessionMember
from workshop.access.projector import create_link, links_of, projector_link, revoke
from workshop.accounts.models import Facilitator
from workshop.sessions.qr import qr_svg
from workshop.validation import describe_errors
from workshop.web import db, get_or_404, measure_or_404, session_or_404

bp = Blueprint("access", __name__)

ROLE_LABELS = {
    policy.OWNER: lazy_gettext("Verantwortlich (Owner)"),
    policy.CO_FACILITATOR: lazy_gettext("Co-Moderation"),
    policy.EDITOR: lazy_gettext("Redaktion"),
    policy.OBSERVER: lazy_gettext("Beobachtung"),
    policy.FACILITATOR: lazy_gettext("Moderation"),
    policy.MINUTE_TAKER: lazy_gettext("Protokoll"),
}
MAX_PROJECTOR_LINKS = 20  # per session, so a stuck button cannot fill the table
REMEMBERED_PROJECTORS = 5


class MemberForm(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    role = fields.String(required=True)


def _load_member(roles: tuple[str, ...]) -> tuple[Facilitator, str]:
    """The account and role a team form names; ValidationError naming what is wrong."""
    form = MemberForm().load(request.form.to_dict(), unknown="exclude")
    if form["role"] not in roles:
        raise ValidationError(
            {
                "role": [
                    _("muss eine dieser Rollen sein: %(roles)s", roles=", ".join(str(ROLE_LABELS[r]) for r in roles))
                ]
            }
        )
    person = (
        db().scalars(select(Facilitator).where(func.lower(Facilitator.email) == form["email"].strip().lower())).first()
    )
    if person is None:
        raise ValidationError({"email": [_("Zu dieser E-Mail-Adresse gibt es kein Konto.")]})
    return person, form["role"]


# --- a measure's team -------------------------------------------------------------------------


@bp.route("/measures/<measure_id>/team", methods=["GET", "POST"])
@login_required
def measure_team(measure_id):
    measure = measure_or_404(measure_id, "measure.read")
    may_manage = policy.may(db(), current_user.id, "measure.team", measure)
    if request.method == "POST":
        if not may_manage:
            abort(403)
        try:
            person, role = _load_member(policy.MEASURE_ROLES)
            current = policy.measure_role(db(), person.id, measure.id)
            if current == policy.OWNER and role != policy.OWNER and policy.owners_left(db(), measure.id) <= 1:
                raise ValidationError({"role": [_("Die Maßnahme braucht mindestens eine verantwortliche Person.")]})
        except ValidationError as error:
            flash(_("Nicht gespeichert: %(error)s", error=describe_errors(error.messages)), "error")
            return redirect(url_for(".measure_team", measure_id=measure.id), 303)
        policy.add_member(db(), measure.id, person.id, role)
        db().commit()
        revocation.now()  # a role lowered (editor → observer): open editors join again read-only
        flash(_("%(name)s: %(role)s.", name=person.display_name, role=ROLE_LABELS[role]), "info")
        return redirect(url_for(".measure_team", measure_id=measure.id), 303)
    members = (
        db()
        .execute(
            select(MeasureMember, Facilitator)
            .join(Facilitator, Facilitator.id == MeasureMember.facilitator_id)
            .where(MeasureMember.measure_id == measure.id)
            .order_by(MeasureMember.id)
        )
        .all()
    )
    return render_template(
        "access/measure_team.html",
        measure=measure,
        members=members,
        may_manage=may_manage,
        roles=policy.MEASURE_ROLES,
        role_labels=ROLE_LABELS,
    )


@bp.route("/measures/<measure_id>/team/<member_id>/remove", methods=["POST"])
@login_required
def measure_team_remove(measure_id, member_id):
    measure = measure_or_404(measure_id, "measure.team")
    member = get_or_404(MeasureMember, member_id)
    if member.measure_id != measure.id:
        abort(404)
    if member.role == policy.OWNER and policy.owners_left(db(), measure.id) <= 1:
        flash(_("Nicht entfernt: Die Maßnahme braucht mindestens eine verantwortliche Person."), "error")
    else:
        db().delete(member)
        db().commit()
        revocation.now()  # their open consoles and editors of this measure close
        flash(_("Aus dem Team entfernt."), "info")
    return redirect(url_for(".measure_team", measure_id=measure.id), 303)


# --- a session's staff and projector links --------------------------------------------------------


@bp.route("/sessions/<session_id>/team", methods=["GET", "POST"])
@login_required
def session_team(session_id):
    ws = session_or_404(session_id, "session.view")
    may_manage = policy.may(db(), current_user.id, "session.staff", ws)
    if request.method == "POST":
        if not may_manage:
            abort(403)
        try:
            person, role = _load_member(policy.SESSION_MEMBER_ROLES)
            if person.id == ws.facilitator_id:
                raise ValidationError({"email": [_("Diese Person moderiert die Sitzung bereits.")]})
        except ValidationError as error:
            flash(_("Nicht gespeichert: %(error)s", error=describe_errors(error.messages)), "error")
            return redirect(url_for(".session_team", session_id=ws.id), 303)
        member = (
            db()
            .scalars(
                select(SessionMember).where(
                    SessionMember.session_id == ws.id, SessionMember.facilitator_id == person.id
                )
            )
            .first()
        )
        if member is None:
            db().add(SessionMember(session_id=ws.id, facilitator_id=person.id, role=role))
        else:
            member.role = role
        db().commit()
        flash(_("%(name)s: %(role)s.", name=person.display_name, role=ROLE_LABELS[role]), "info")
        return redirect(url_for(".session_team", session_id=ws.id), 303)
    members = (
        db()
        .execute(
            select(SessionMember, Facilitator)
            .join(Facilitator, Facilitator.id == SessionMember.facilitator_id)
            .where(SessionMember.session_id == ws.id)
            .order_by(SessionMember.id)
        )
        .all()
    )
    new_link = session.pop("new_projector_link", None)
    new_link = new_link if new_link and new_link.get("session_id") == ws.id else None
    return render_template(
        "access/session_team.html",
        ws=ws,
        members=members,
        may_manage=may_manage,
        roles=policy.SESSION_MEMBER_ROLES,
        role_labels=ROLE_LABELS,
        links=links_of(db(), ws.id) if may_manage else [],
        new_link=new_link and url_for(".projector_by_link", token=new_link["token"], _external=True),
    )


@bp.route("/sessions/<session_id>/team/<member_id>/remove", methods=["POST"])
@login_required
def session_team_remove(session_id, member_id):
    ws = session_or_404(session_id, "session.staff")
    member = get_or_404(SessionMember, member_id)
    if member.session_id != ws.id:
        abort(404)
    db().delete(member)
    db().commit()
    revocation.now()  # their open console of this session closes
    flash(_("Aus dem Team entfernt."), "info")
    return redirect(url_for(".session_team", session_id=ws.id), 303)


@bp.route("/sessions/<session_id>/projector-links", methods=["POST"])
@login_required
def projector_link_create(session_id):
    ws = session_or_404(session_id, "session.staff")
    active = [link for link in links_of(db(), ws.id) if link.revoked_at is None]
    if len(active) >= MAX_PROJECTOR_LINKS:
        flash(
            _("Höchstens %(n)s Leinwand-Links je Sitzung; bitte zuerst einen widerrufen.", n=MAX_PROJECTOR_LINKS),
            "error",
        )
        return redirect(url_for(".session_team", session_id=ws.id), 303)
    _link, token = create_link(db(), ws.id, current_user.id)
    db().commit()
    # shown once on the next page (only the hash is stored)
    session["new_projector_link"] = {"session_id": ws.id, "token": token}
    return redirect(url_for(".session_team", session_id=ws.id), 303)


@bp.route("/sessions/<session_id>/projector-links/<link_id>/revoke", methods=["POST"])
@login_required
def projector_link_revoke(session_id, link_id):
    ws = session_or_404(session_id, "session.staff")
    link = get_or_404(ProjectorLink, link_id)
    if link.session_id != ws.id:
        abort(404)
    revoke(link)
    db().commit()
    revocation.now()  # screens opened by the link close (those on other processes at their sweep)
    flash(_("Leinwand-Link widerrufen: Bildschirme mit diesem Link sind getrennt."), "info")
    return redirect(url_for(".session_team", session_id=ws.id), 303)


@bp.route("/p/<token>")
def projector_by_link(token):
    """The projector for the room's PC: the link is the key (read-only, this session only)."""
    from workshop.web import join_url

    link = projector_link(db(), None, token[:100])
    if link is None:
        return render_template("access/projector_link_invalid.html"), 404
    ws = link.session
    remembered = dict(session.get("projectors", {}))
    remembered[str(ws.id)] = token
    session["projectors"] = dict(list(remembered.items())[-REMEMBERED_PROJECTORS:])
    url = join_url(ws.join_code)
    return render_template("sessions/projector.html", ws=ws, join_url=url, qr=qr_svg(url))
