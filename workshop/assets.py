"""Which file a page links for its script and stylesheet: the minified build or the source.

scripts/bundle_assets.py (run by `make setup` whenever static/js or the stylesheet changed)
builds the phone's script — its ES modules in one file — and the stylesheet, minified, into
static/vendor/. A build is used only while it is newer than every source it was made from, so
an edited source without a rebuild is served as it is instead of an old build.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, url_for

# the source a page names (under static/) -> its build, and the sources the build is made from
BUILDS: dict[str, tuple[str, str]] = {
    "js/participant.js": ("vendor/participant.bundle.js", "js/**/*.js"),
    "css/app.css": ("vendor/app.min.css", "css/app.css"),
}


def fresh_builds(static: Path) -> dict[str, str]:
    """source -> build, for the builds that exist and are newer than all their sources."""
    fresh = {}
    for source, (build, made_from) in BUILDS.items():
        built = static / build
        if not built.exists():
            continue
        newest_source = max(path.stat().st_mtime for path in static.glob(made_from))
        if built.stat().st_mtime >= newest_source:
            fresh[source] = build
    return fresh


def init_app(app: Flask) -> None:
    fresh = fresh_builds(Path(app.static_folder or "static"))

    def asset(filename: str) -> str:
        """url_for('static', …) of the build when it is fresh, else of the source itself."""
        return url_for("static", filename=fresh.get(filename, filename))

    app.jinja_env.globals["asset"] = asset
