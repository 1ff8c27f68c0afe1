"""The self-assessment (docs/accessibility.md) and the other docs cite tests as evidence: every
`tests/<file>.py::<name>` they name must exist, or a procurement reads a promise no test keeps."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CITED = re.compile(r"tests/([\w/]+\.py)(?:::(\w+))?")


DOCS = sorted(
    p.relative_to(ROOT).as_posix() for p in [*(ROOT / "docs").glob("*.md"), ROOT / "README.md", ROOT / "BENCHMARKS.md"]
)


@pytest.mark.parametrize("doc", DOCS)
def test_every_test_a_doc_cites_exists(doc):
    text = (ROOT / doc).read_text(encoding="utf-8")
    missing = []
    for file, name in set(CITED.findall(text)):
        path = ROOT / "tests" / file
        if not path.is_file():
            missing.append(f"tests/{file}")
        elif name and not re.search(rf"^def {name}\(", path.read_text(encoding="utf-8"), re.M):
            missing.append(f"tests/{file}::{name}")
    assert not missing, f"{doc} cites tests that do not exist: {sorted(missing)}"
