"""An input step's PDF shown page by page (issue 30): each page rendered to a PNG on the server by
poppler's pdftoppm (scripts/install_apt.sh installs poppler-utils), never on the event loop.

`page_count` and `render_page` are job tasks (workshop/jobs): bytes in, plain data out, nothing
written; `off_loop` hands them to a worker process, so the rooms of the process keep being served
meanwhile, and poppler itself runs with a timeout inside the worker.
"""

from __future__ import annotations

import re
import subprocess
from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import Any

from workshop import jobs

RENDER_SECONDS = 20  # one page; a PDF that takes longer is refused, nothing hangs
PAGE_WIDTH = 1600  # pixels: sharp on a 1920×1080 projector with the join panel beside it
MAX_PAGES = 500


class PdfPageError(RuntimeError):
    """The PDF cannot be read or rendered (broken, too slow, no such page)."""


def _poppler(command: list[str], pdf: bytes) -> bytes:
    try:
        done = subprocess.run(command, input=pdf, capture_output=True, timeout=RENDER_SECONDS, check=False)
    except FileNotFoundError as error:  # poppler-utils missing: scripts/install_apt.sh installs it
        raise PdfPageError(f"{command[0]} is not installed") from error
    except subprocess.TimeoutExpired as error:
        raise PdfPageError(f"{command[0]} took longer than {RENDER_SECONDS} s") from error
    if done.returncode != 0:
        raise PdfPageError(done.stderr.decode(errors="replace")[-300:] or f"{command[0]} failed")
    return done.stdout


@jobs.task(seconds=RENDER_SECONDS + 5, refusals=(PdfPageError,))
def page_count(pdf: bytes) -> int:
    info = _poppler(["pdfinfo", "-"], pdf).decode(errors="replace")
    found = re.search(r"^Pages:\s+(\d+)", info, re.M)
    if not found:
        raise PdfPageError("pdfinfo gave no page count")
    return min(int(found.group(1)), MAX_PAGES)


@jobs.task(seconds=RENDER_SECONDS + 5, refusals=(PdfPageError,))
def render_page(pdf: bytes, number: int, width: int = PAGE_WIDTH) -> bytes:
    """Page `number` (1-based) as a PNG `width` pixels wide."""
    command = ["pdftoppm", "-png", "-singlefile", "-f", str(number), "-l", str(number), "-scale-to-x", str(width)]
    png = _poppler([*command, "-scale-to-y", "-1", "-"], pdf)
    if not png.startswith(b"\x89PNG"):
        raise PdfPageError(f"no page {number}")
    return png


def off_loop(function: Callable[..., Any], *args: Any) -> Any:
    """Run a task of this module in a worker (workshop/jobs); a worker that is busy too long, dies
    or is cut off answers as a PDF that cannot be rendered now."""
    try:
        return jobs.run(function, *args)
    except jobs.JobRefused as refused:
        raise PdfPageError(str(refused)) from refused


class PageCache:
    """The pages rendered last, per process (a room turns the same pages for every phone)."""

    def __init__(self, size: int = 64):
        self.size, self.lock = size, Lock()
        self.items: OrderedDict[tuple, bytes] = OrderedDict()

    def get(self, key):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


PAGES = PageCache()
