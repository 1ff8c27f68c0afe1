"""The register pages: list with filters, table export, table import with preview, JSON export."""

from __future__ import annotations

import json
import re
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from workshop import jobs, uploads
from workshop.access import policy
from workshop.i18n import current_locale as locale
from workshop.i18n import localized
from workshop.measures import record as record_ops
from workshop.measures.models import Measure
from workshop.measures.record_template import available_record_templates, load_record_template, record_template_choices
from workshop.measures.status import LABELS as STATUS_LABELS
from workshop.monitoring import progress as monitoring_progress
from workshop.register import exporting, monitoring_table, previews
from workshop.register.access import may_read_measure, may_write_measure
from workshop.register.importing import run_import
from workshop.register.layouts import layouts
from workshop.register.public import practice_measure_ids
from workshop.register.reading import MAX_IMPORT_BYTES
from workshop.register.tables import TableRefused
from workshop.web import db, get_or_404

bp = Blueprint("register", __name__, url_prefix="/register")


def _filters() -> dict:
    args = request.args
    status = args.get("status", "")
    template = args.get("template", "")
    return {
        "status": status if status in STATUS_LABELS else "",
        "template": template if template in available_record_templates() else "",
        "q": " ".join(args.get("q", "").split())[:200],
        # practice measures are hidden unless asked for (the form sends practice=1 to show them)
        "practice": args.get("practice") == "1",
        # monitoring signals: milestones overdue, indicator off track, no update for 90 days
        "signal": args.get("signal", "") if args.get("signal", "") in monitoring_progress.FILTERS else "",
    }


def _filtered(filters: dict) -> list[Measure]:
    query = select(Measure).order_by(Measure.reference_number.is_(None), Measure.reference_number, Measure.id)
    if filters["status"]:
        query = query.where(Measure.status == filters["status"])
    if filters["template"]:
        query = query.where(Measure.record_template == filters["template"])
    measures = [m for m in db().scalars(query) if may_read_measure(current_user, m)]
    if not filters.get("practice"):
        practice = practice_measure_ids(db())
        measures = [m for m in measures if m.id not in practice]
    if filters["q"]:
        needle = filters["q"].casefold()
        measures = [
            m
            for m in measures
            if needle
            in " ".join(
                [m.title, m.reference_number or ""] + [v.value for v in record_ops.current_values(db(), m).values()]
            ).casefold()
        ]
    return measures


@bp.route("")
@login_required
def index():
    filters = _filters()
    measures = _filtered(filters)
    fields = []
    if filters["template"]:  # one template: its fields are the columns
        fields = [
            f
            for f in load_record_template(filters["template"]).fields
            if f.key not in ("title", "reference_number", "status")
        ]
    progress = {m.id: monitoring_progress.measure_progress(db(), m) for m in measures}
    if filters["signal"]:
        measures = [m for m in measures if progress[m.id].matches(filters["signal"])]
    whole, groups = monitoring_progress.roll_up([progress[m.id] for m in measures], _("ohne Handlungsfeld"))
    rows = [(m, record_ops.current_values(db(), m) if fields else {}) for m in measures]
    return render_template(
        "register/index.html",
        rows=rows,
        progress=progress,
        whole=whole,
        groups=groups,
        percent=monitoring_progress.percent,
        report_scopes=[("register", "")],
        today=date.today(),
        fields=fields,
        filters=filters,
        status_labels={k: _(v) for k, v in STATUS_LABELS.items()},
        record_templates=record_template_choices(locale()),
        layouts=list(layouts()),
        template_names=dict(record_template_choices(locale())),
        localized=localized,
        lang=locale(),
    )


@bp.route("/export.<fmt>")
@login_required
def export(fmt):
    if fmt not in ("xlsx", "csv"):
        abort(404)
    layout = layouts().get(request.args.get("layout", "berlin"))
    if layout is None:
        abort(404)
    filters = _filtered({**_filters(), "template": layout.record_template})
    data = exporting.export_table(db(), layout, filters, fmt)
    mimetype = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="massnahmen-{layout.key}.{fmt}"'},
    )


@bp.route("/measures/<measure_id>.json")
@login_required
def measure_json(measure_id):
    measure = get_or_404(Measure, measure_id)
    if not may_read_measure(current_user, measure):
        abort(404)
    body = json.dumps(exporting.measure_json(db(), measure), ensure_ascii=False, indent=2)
    name = re.sub(r"[^A-Za-z0-9_-]", "-", measure.reference_number or f"massnahme-{measure.id}")
    return Response(
        body, mimetype="application/json", headers={"Content-Disposition": f'attachment; filename="{name}.json"'}
    )


# Uploads may be larger than the app-wide request limit (1 MB), up to the import limit (uploads.py).
uploads.allow("register.import_table", MAX_IMPORT_BYTES + 256 * 1024, MAX_IMPORT_BYTES)
uploads.allow("register.monitoring_import", MAX_IMPORT_BYTES + 256 * 1024, MAX_IMPORT_BYTES)


@bp.errorhandler(413)
def _too_large(_error):
    flash(
        _(
            "Nicht importiert: %(error)s",
            error=_("Die Datei ist größer als %(max)s MB.", max=MAX_IMPORT_BYTES // (1024 * 1024)),
        ),
        "error",
    )
    return redirect(url_for(".import_table"), 303)


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_table():
    if request.method == "GET":
        return render_template("register/import.html", result=None, max_mb=MAX_IMPORT_BYTES // (1024 * 1024))
    if not may_write_measure(current_user):
        abort(403)
    token = request.form.get("token", "")
    if token and request.form.get("action") == "cancel":
        previews.forget(current_user.id, token)
        flash(_("Import abgebrochen; die hochgeladene Datei ist gelöscht."), "info")
        return redirect(url_for(".import_table"), 303)
    if token:  # the confirmation of a previewed file: the same bytes, kept server-side
        kept = previews.read(current_user.id, token)
        if kept is None:
            flash(_("Die Vorschau ist abgelaufen; bitte die Datei noch einmal hochladen."), "error")
            return redirect(url_for(".import_table"), 303)
        filename, data = request.form.get("filename", "")[:200], kept
    else:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Bitte eine Datei auswählen."), "error")
            return redirect(url_for(".import_table"), 303)
        filename, data = upload.filename[:200], upload.stream.read(MAX_IMPORT_BYTES + 1)
    apply = bool(token) and request.form.get("action") == "apply"
    try:
        result = run_import(
            db(),
            filename,
            data,
            current_user.id,
            apply=apply,
            may_write=lambda measure: may_write_measure(current_user, measure),
            numbering_as_reference=request.form.get("numbering") == "1",
            choices={
                int(name[4:]): value
                for name, value in request.form.items()
                if name.startswith("row-") and name[4:].isdigit() and len(name) < 12 and value in ("update", "new")
            },
        )
    except (TableRefused, jobs.JobRefused) as error:
        flash(_("Nicht importiert: %(error)s", error=error.text()), "error")
        return redirect(url_for(".import_table"), 303)
    if apply:
        previews.forget(current_user.id, token)
        counts = result.counts()
        if result.applied:
            flash(
                _(
                    "Importiert: %(new)s neu, %(changed)s geändert, %(unchanged)s unverändert.",
                    **{k: counts[k] for k in ("new", "changed", "unchanged")},
                ),
                "info",
            )
            return redirect(url_for(".index"), 303)
        flash(_("Nichts importiert: mindestens eine Zeile hat Fehler."), "error")
    elif not token and result.ok:  # a preview with errors cannot be applied: nothing is kept
        token = previews.keep(current_user.id, data)
    elif token and not result.ok:
        previews.forget(current_user.id, token)
    return render_template(
        "register/import.html",
        result=result,
        token=token if result.ok else "",
        filename=filename,
        lang=locale(),
        max_mb=MAX_IMPORT_BYTES // (1024 * 1024),
    )


# --- monitoring: milestone statuses and indicator values as a table -----------------------------


@bp.route("/monitoring.<fmt>")
@login_required
def monitoring_export(fmt):
    """One measure's (?measure=ID) or every readable measure's milestones and indicators."""
    if fmt not in ("xlsx", "csv"):
        abort(404)
    if request.args.get("measure"):
        measure = get_or_404(Measure, request.args["measure"])
        if not may_read_measure(current_user, measure):
            abort(404)
        measures = [measure]
    else:
        measures = _filtered(_filters())
    data = monitoring_table.export_table(db(), measures, fmt)
    mimetype = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Response(
        data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="monitoring.{fmt}"'}
    )


@bp.route("/monitoring/import", methods=["GET", "POST"])
@login_required
def monitoring_import():
    """Upload, preview (the real run, rolled back), apply: all rows or none."""
    max_mb = MAX_IMPORT_BYTES // (1024 * 1024)
    if request.method == "GET":
        return render_template("register/monitoring_import.html", result=None, max_mb=max_mb)
    token = request.form.get("token", "")
    if token and request.form.get("action") == "cancel":
        previews.forget(current_user.id, token)
        flash(_("Import abgebrochen; die hochgeladene Datei ist gelöscht."), "info")
        return redirect(url_for(".monitoring_import"), 303)
    if token:  # the confirmation of a previewed file: the same bytes, kept server-side (previews.py)
        kept = previews.read(current_user.id, token)
        if kept is None:
            flash(_("Die Vorschau ist abgelaufen; bitte die Datei noch einmal hochladen."), "error")
            return redirect(url_for(".monitoring_import"), 303)
        filename, data = request.form.get("filename", "")[:200], kept
    else:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Bitte eine Datei auswählen."), "error")
            return redirect(url_for(".monitoring_import"), 303)
        filename, data = upload.filename[:200], upload.stream.read(MAX_IMPORT_BYTES + 1)
    apply = bool(token) and request.form.get("action") == "apply"
    try:
        positions, body = monitoring_table.parse(filename, data, owner=current_user.id)
        result = monitoring_table.apply_rows(
            db(),
            positions,
            body,
            current_user.id,
            current_user.display_name,
            apply=apply,
            may_write=lambda measure: policy.may(db(), current_user.id, "measure.monitor", measure),
        )
    except (TableRefused, jobs.JobRefused) as error:
        flash(_("Nicht importiert: %(error)s", error=error.text()), "error")
        return redirect(url_for(".monitoring_import"), 303)
    if apply:
        previews.forget(current_user.id, token)
        if result.applied:
            counts = result.counts()
            flash(
                _(
                    "Importiert: %(changed)s Meilensteine geändert, %(added)s Messwerte neu, %(unchanged)s unverändert.",
                    **{k: counts[k] for k in ("changed", "added", "unchanged")},
                ),
                "info",
            )
            return redirect(url_for(".index"), 303)
        flash(_("Nichts importiert: mindestens eine Zeile hat Fehler."), "error")
    elif not token and result.ok:  # a preview with errors cannot be applied: nothing is kept
        token = previews.keep(current_user.id, data)
    elif token and not result.ok:
        previews.forget(current_user.id, token)
    return render_template(
        "register/monitoring_import.html",
        result=result,
        token=token if result.ok else "",
        filename=filename,
        lang=locale(),
        max_mb=max_mb,
    )
