"""The instance's one time zone: every time a person reads — on a screen, in a PDF, in the API's
timestamps — is in it (WORKSHOP_TIMEZONE, Europe/Berlin by default).

The database keeps UTC (db.UTCDateTime); times are turned into the instance's zone only where they
are shown. Flask-Babel's date filters use it too (BABEL_DEFAULT_TIMEZONE, set in app.py), and the
browser gets it as <body data-time-zone> for the few clock times it writes itself.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Europe/Berlin"


def zone_named(name: str) -> ZoneInfo:
    """The zone of an IANA name (e.g. Europe/Berlin); ValueError naming it if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is no time zone (an IANA name such as Europe/Berlin)") from None


def instance_zone() -> ZoneInfo:
    """The configured zone (the app's TIMEZONE; outside an app the environment's or the default)."""
    from flask import current_app, has_app_context

    if has_app_context():
        return zone_named(current_app.config.get("TIMEZONE") or DEFAULT_ZONE)
    return zone_named(os.environ.get("WORKSHOP_TIMEZONE") or DEFAULT_ZONE)


def local(moment: datetime) -> datetime:
    """An aware moment (naive ones are UTC, as the database keeps them) in the instance's zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(instance_zone())


def local_iso(moment: datetime | None) -> str | None:
    """ISO 8601 with the instance's offset (2026-12-03T09:00:00+01:00): a person reads the local
    time, a program still gets the exact moment."""
    return local(moment).isoformat() if moment is not None else None


def now_local() -> datetime:
    return datetime.now(instance_zone())
