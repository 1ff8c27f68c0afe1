"""The accessibility statement, linked from every page's footer, and its feedback form."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from workshop import rate_limits
from workshop.accessibility.models import BarrierReport
from workshop.i18n import current_locale
from workshop.validation import CleanText
from workshop.web import db, get_or_404

bp = Blueprint("accessibility", __name__)

DESCRIPTION_MAX = 5000


LIMITS = {"page": 300, "description": DESCRIPTION_MAX, "contact": 254}


def _clean(form: dict) -> tuple[dict, list[str]]:
    """The report's fields without control characters, and each problem as a sentence."""
    clean = {key: CleanText()._deserialize(form.get(key, ""), key, form).strip() for key in LIMITS}
    problems = []
    if len(clean["description"]) < 10:
        problems.append(_("Bitte beschreiben Sie die Barriere mit mindestens 10 Zeichen."))
    for key, label in (("page", _("Wo")), ("description", _("Was")), ("contact", _("Kontakt"))):
        if len(clean[key]) > LIMITS[key]:
            problems.append(_("„%(field)s“ darf höchstens %(max)s Zeichen lang sein.", field=label, max=LIMITS[key]))
    return clean, problems


def _statement_context() -> dict:
    config = current_app.config
    return {
        "operator": config["ACCESSIBILITY_OPERATOR"],
        "enforcement_name": config["ENFORCEMENT_BODY_NAME"],
        "enforcement_url": config["ENFORCEMENT_BODY_URL"],
        "checked": date.fromisoformat(config["ACCESSIBILITY_CHECKED"]),
    }


@bp.route("/barrierefreiheit", methods=["GET", "POST"])
@rate_limits.barrier_reports
def statement():
    form = {"page": request.args.get("page", "")[:300], "description": "", "contact": ""}
    if request.method == "POST":
        form = {key: request.form.get(key, "") for key in LIMITS}
        data, problems = _clean(form)
        if problems:  # nothing stored; what was typed stays in the form
            flash(_("Meldung nicht gesendet: %(error)s", error=" ".join(problems)), "error")
            return render_template("accessibility/statement.html", form=form, **_statement_context()), 400
        db().add(BarrierReport(language=current_locale(), **data))
        db().commit()
        flash(
            _("Danke! Ihre Meldung ist angekommen. Wir antworten, wenn Sie eine Kontaktadresse angegeben haben."),
            "success",
        )
        return redirect(url_for(".statement"), 303)
    return render_template("accessibility/statement.html", form=form, **_statement_context())


@bp.route("/barrierefreiheit/meldungen")
@login_required
def reports():
    listed = db().scalars(select(BarrierReport).order_by(BarrierReport.id.desc())).all()
    return render_template("accessibility/reports.html", reports=listed)


@bp.route("/barrierefreiheit/meldungen/<report_id>/answered", methods=["POST"])
@login_required
def mark_answered(report_id):
    report = get_or_404(BarrierReport, report_id)
    report.answered = True
    db().commit()
    flash(_("Meldung als beantwortet markiert."), "success")
    return redirect(url_for(".reports"), 303)
