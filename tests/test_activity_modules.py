"""One module per activity type on each side, found through one registry (issue 10): the pages
(participant, projector, console) and the shared live code know no activity type by name."""

from __future__ import annotations

import re
from pathlib import Path

from workshop.activities.base import Activity
from workshop.activities.registry import ACTIVITIES, ACTIVITY_OPS
from workshop.i18n import catalog
from workshop.ops import PARTICIPANT

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


# Shared server code that draws every step asks the step's activity (registry) instead of importing
# an activity's module. (That no type is named anywhere outside its module, Python or template:
# tests/test_architecture.py::test_no_activity_type_name_outside_its_activity.)
SHARED_SERVER = ("workshop/protocols/model.py", "workshop/live/snapshot.py", "workshop/live/engine.py")


def test_shared_server_code_imports_no_activity_module():
    for path in SHARED_SERVER:
        source = (ROOT / path).read_text(encoding="utf-8")
        imported = set(re.findall(r"from workshop\.activities\.(\w+) import", source))
        assert imported <= {"registry", "protocol", "base", "cards", "models"}, (
            f"{path} imports activity modules {imported}"
        )


def translated(msgid) -> bool:
    """The catalog has an English text for it (one that may read like the German: "Input")."""
    key = "\x04".join(msgid) if isinstance(msgid, tuple) else msgid
    return bool(catalog("en")._catalog.get(key))  # type: ignore[attr-defined]


def test_each_activity_describes_its_own_authoring_in_both_languages():
    """Its label, its presets' texts and its options' labels and help come from the activity, each
    in the catalog (German msgid, an English text of its own), so the editor shows no raw key."""
    missing = []
    for name, activity in ACTIVITIES.items():
        if not activity.label or not translated(activity.label):
            missing.append(f"{name}: label {activity.label!r}")
        for preset in activity.step_presets():
            step = preset.step(name)
            msgids = [preset.title, *([preset.prompt] if preset.prompt else [])]
            msgids += [t for text in preset.texts.values() for t in (text if isinstance(text, tuple) else (text,))]
            missing += [f"{name}/{preset.key}: {m!r}" for m in msgids if not translated(m)]
            texts = [step["title"], *([step["prompt"]] if "prompt" in step else [])]
            missing += [f"{name}/{preset.key}: {t}" for t in texts if set(t) != {"de", "en"}]
            if not translated(preset.label):
                missing.append(f"{name}/{preset.key}: label {preset.label!r}")
        schema = activity.config_schema
        for option, field in schema().fields.items() if schema else ():
            meta = field.metadata
            if not meta.get("label") or not translated(meta["label"]):
                missing.append(f"{name}.{option}: label")
            if meta.get("help") and not translated(meta["help"]):
                missing.append(f"{name}.{option}: help")
    assert not missing, "authoring texts without a label or an English text:\n  " + "\n  ".join(missing)


def test_every_activity_participants_act_in_has_a_bot_action():
    """Simulated participants act in every step a participant can act in (blitzlicht was skipped)."""
    acting = {
        name
        for name, activity in ACTIVITIES.items()
        if any(PARTICIPANT in spec.roles and name in spec.step_types for spec in ACTIVITY_OPS.values())
    }
    without = sorted(name for name in acting if type(ACTIVITIES[name]).bot_op is Activity.bot_op)
    assert acting and not without, f"no bot action for {without}"


def test_each_activity_writes_its_own_protocol_section():
    # the section builders live in the activity modules now, not in a table in protocols/model.py
    from workshop.protocols import model

    assert not hasattr(model, "SECTIONS")
    own = {t for t, activity in ACTIVITIES.items() if "protocol" in type(activity).__dict__}
    assert {"brainstorm", "dot_vote", "consent", "poll", "action_items", "summary"} <= own
