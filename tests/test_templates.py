"""Session templates: the shipped one loads; a broken one is refused naming file, step and field."""

from __future__ import annotations

import subprocess
import sys

import pytest

from workshop.agenda.templates import TemplateError, load_template_file, parse_template
from workshop.config import SESSION_TEMPLATE_DIR

FRAMING = (SESSION_TEMPLATE_DIR / "framing.yaml").read_text(encoding="utf-8")


def test_framing_template_has_the_steps_of_unit_one():
    template = load_template_file(SESSION_TEMPLATE_DIR / "framing.yaml")
    assert template["unit"] == 1
    assert [(s["key"], s["type"]) for s in template["steps"]] == [
        ("approaches", "brainstorm"),
        ("scope", "brainstorm"),
        ("dependencies", "brainstorm"),
        ("questions", "brainstorm"),
        ("vote", "dot_vote"),
        ("summary", "summary"),
    ]
    scope = template["steps"][1]
    assert [c["key"] for c in scope["columns"]] == ["in", "out"]
    assert scope["capture"] == {"field": "scope"}
    assert template["steps"][4]["capture"] == {"field": "central_questions", "top": 5}
    assert template["steps"][0]["columns"][0]["key"] == "main"  # default single column


@pytest.mark.parametrize(
    "change, message",
    [
        (("budget: 5", "budget: 0"), "framing.yaml: step 5 'vote': budget: Must be greater than or equal to 1"),
        (("max_per_card: 3", "max_per_card: 9"), "step 5 'vote': max_per_card: “At most per contribution” is larger"),
        (("source: questions", "source: summary"), "step 5 'vote': source: 'summary' is not an earlier step"),
        (("source: questions", "source: vote"), "step 5 'vote': source: 'vote' is not an earlier step"),
        (("type: dot_vote", "type: dotvote"), "step 5 'vote': type: Must be one of"),
        (
            ("capture: {field: scope}", "capture: {field: scoop}"),
            "step 2 'scope': capture.field: the record has no field 'scoop'",
        ),
        (("- key: scope", "- key: approaches"), "step 2 'approaches': key: 'approaches' is used by an earlier step"),
        (("timebox_minutes: 15", "timebox_minutes: soon"), "step 4 'questions': timebox_minutes: Not a valid integer"),
        (("      - {key: out,", "      - {key: in,"), "step 2 'scope': columns: column keys must differ"),
        (("    source: questions", "    source: questions\n    colour: red"), "step 5 'vote': colour: Unknown field"),
        (("unit: 1", "unit: 9"), "framing.yaml: unit: Must be greater than or equal to 1"),
        (('title: {de: "Rahmen setzen", en: "Framing"}', 'title: {en: "Framing"}'), "title: needs a German text (de)"),
        (("steps:", "steps: [\n"), "framing.yaml: not valid YAML"),
        (
            ("    capture: {field: scope}", "    capture: {field: scope}\n    silent: maybe"),
            "step 2 'scope': silent: Not a valid boolean",
        ),
    ],
)
def test_broken_template_names_file_step_and_field(change, message):
    broken = FRAMING.replace(*change, 1)
    assert broken != FRAMING
    with pytest.raises(TemplateError) as error:
        parse_template(broken, "framing.yaml")
    assert message in str(error.value)


@pytest.mark.parametrize("key", ["framing", "knowledge_merge", "co_drafting", "mandate", "public_participation"])
def test_every_process_unit_has_a_template(key):
    template = load_template_file(SESSION_TEMPLATE_DIR / f"{key}.yaml")
    assert (
        template["unit"]
        == ["framing", "knowledge_merge", "co_drafting", "mandate", "public_participation"].index(key) + 1
    )
    for step in template["steps"]:
        assert step["title"]["de"] and step["title"]["en"]  # German and English


def test_templates_check_command_explains_each_error(tmp_path):
    bad = tmp_path / "framing.yaml"
    bad.write_text(FRAMING.replace("budget: 5", "budget: -1"), encoding="utf-8")
    good = SESSION_TEMPLATE_DIR / "framing.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "workshop.cli", "templates", "check", str(good), str(bad)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "framing.yaml: step 5 'vote': budget: Must be greater than or equal to 1" in result.stderr
    ok = subprocess.run([sys.executable, "-m", "workshop.cli", "templates", "check"], capture_output=True, text=True)
    assert ok.returncode == 0 and "template(s) OK" in ok.stdout
