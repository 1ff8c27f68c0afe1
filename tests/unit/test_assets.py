"""Which file a page links: the minified build while it is newer than its sources, else the source."""

from __future__ import annotations

import os

from workshop.assets import fresh_builds


def _static(tmp_path):
    (tmp_path / "js" / "activities").mkdir(parents=True)
    (tmp_path / "css").mkdir()
    (tmp_path / "vendor").mkdir()
    for name in ("js/participant.js", "js/activities/poll.js", "css/app.css"):
        (tmp_path / name).write_text("/* source */")
    return tmp_path


def _age(path, seconds: float) -> None:
    stamp = path.stat().st_mtime - seconds
    os.utime(path, (stamp, stamp))


def test_a_build_newer_than_its_sources_is_used(tmp_path):
    static = _static(tmp_path)
    for name in ("js/participant.js", "js/activities/poll.js", "css/app.css"):
        _age(static / name, 60)
    (static / "vendor" / "participant.bundle.js").write_text("built")
    (static / "vendor" / "app.min.css").write_text("built")
    assert fresh_builds(static) == {
        "js/participant.js": "vendor/participant.bundle.js",
        "css/app.css": "vendor/app.min.css",
    }


def test_an_edited_source_without_a_rebuild_is_served_as_it_is(tmp_path):
    static = _static(tmp_path)
    (static / "vendor" / "participant.bundle.js").write_text("built")
    (static / "vendor" / "app.min.css").write_text("built")
    _age(static / "vendor" / "participant.bundle.js", 60)  # an activity module changed after the build
    _age(static / "vendor" / "app.min.css", 60)
    _age(static / "js" / "participant.js", 120)
    _age(static / "css" / "app.css", 120)
    assert fresh_builds(static) == {"css/app.css": "vendor/app.min.css"}


def test_no_build_no_substitute(tmp_path):
    assert fresh_builds(_static(tmp_path)) == {}
