"""axe-core in a real page, shared by the accessibility tests: WCAG 2.0, 2.1 and 2.2, levels A and
AA (the tags BITV 2.0 / EN 301 549 ask for, and WCAG 2.2's new AA rules), every impact."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import running_server

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def axe_violations(page) -> list[str]:
    """Every WCAG 2.x A/AA violation on the page as it is now, one line each (rule, impact, where)."""
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `make test` (npm ci installs it)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    return page.evaluate(
        """async (tags) => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return r.violations.map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`);
    }""",
        WCAG_AA_TAGS,
    )


EMAIL = "moderation@example.org"


def a11y_server(tmp_path_factory, name: str) -> Iterator:
    """A module's server on SQLite with a logged-in facilitator (running.fid, running.http)."""
    tmp = tmp_path_factory.mktemp(name)
    with running_server(f"sqlite:///{tmp / 'workshop.db'}", tmp) as running:
        running.fid = running.facilitator(EMAIL)
        running.http = running.login(EMAIL)
        yield running
