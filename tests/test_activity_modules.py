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


# Shared server code that draws every step: it asks the step's activity (registry) instead of
# naming types. (The agenda builder's labels and the training bots are per-type tables by design.)
SHARED_SERVER = ("workshop/protocols/model.py", "workshop/live/snapshot.py", "workshop/live/engine.py")


def test_shared_server_code_knows_no_activity_type_by_name():
    for path in SHARED_SERVER:
        source = (ROOT / path).read_text(encoding="utf-8")
        # (a protocol's status "draft" is no activity type)
        named = [t for t in ACTIVITIES if re.search(rf'(?<!status: str = )["\']{t}["\']', source)]
        assert named == [], f"{path} names activity types {named}: move that into the activity's module"
        imported = set(re.findall(r"from workshop\.activities\.(\w+) import", source))
        assert imported <= {"registry", "protocol", "base", "cards", "models"}, (
            f"{path} imports activity modules {imported}"
        )


def test_each_activity_writes_its_own_protocol_section():
    # the section builders live in the activity modules now, not in a table in protocols/model.py
    from workshop.protocols import model

    assert not hasattr(model, "SECTIONS")
    own = {t for t, activity in ACTIVITIES.items() if "protocol" in type(activity).__dict__}
    assert {"brainstorm", "dot_vote", "consent", "poll", "action_items", "summary"} <= own
