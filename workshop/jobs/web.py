"""A refused or failed job as a page of the app, in the viewer's language."""

from __future__ import annotations

from flask import render_template, request

from workshop.jobs.core import JobRefused

STATUS = {"job_owner_busy": 429, "job_busy": 503, "job_no_worker": 503}


def refused_page(error: JobRefused):
    status = STATUS.get(error.code, 503)
    back = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else None
    body = render_template("errors/job_refused.html", message=error.text(), back=back, again=request.full_path)
    return body, status, {"Retry-After": "30"}
