"""One module per activity type on each side, found through one registry (issue 10): the pages
(participant, projector, console) and the shared live code know no activity type by name."""

from __future__ import annotations

import re
from pathlib import Path

from workshop.activities.registry import ACTIVITIES

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "static" / "js"
PAGES = ("participant.js", "projector.js", "console.js", "live.js", "widgets.js")


def test_every_server_activity_has_its_front_end_module_in_the_registry():
    index = (JS / "activities" / "index.js").read_text(encoding="utf-8")
    for activity_type in ACTIVITIES:
        module = JS / "activities" / f"{activity_type}.js"
        assert module.exists(), f"{activity_type}: no static/js/activities/{activity_type}.js"
        assert re.search(rf'type: "{activity_type}"', module.read_text(encoding="utf-8"))
        assert f'from "./{activity_type}.js"' in index, f"{activity_type} is not in activities/index.js"


def test_the_pages_know_no_activity_type_by_name():
    for page in PAGES:
        source = (JS / page).read_text(encoding="utf-8")
        # (h("summary", …) is the HTML element and addEventListener("input", …) the DOM event, not activities)
        named = [t for t in ACTIVITIES if re.search(rf'(?<!h\()(?<!addEventListener\()["\']{t}["\']', source)]
        assert named == [], f"{page} switches on activity types {named}: move that into the activity's module"
