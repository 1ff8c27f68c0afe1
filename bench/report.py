"""BENCHMARKS.md holds one section per benchmark script between its own markers; each script
rewrites only its section, so notes written by hand and the other scripts' figures stay."""

from __future__ import annotations

import re
from pathlib import Path


def write_section(path: Path, start: str, end: str, section: str) -> None:
    """section: the text between (and including) the markers start and end."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if start in text:
        text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _m: section, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)
