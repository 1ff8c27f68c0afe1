"""One record field's co-drafting document in this process: the merged pycrdt Doc and its bookkeeping.

Its own module so that the hub (which holds them) and the record sync (which reads and changes
them) both use it without importing each other.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from dataclasses import field as dc_field

from pycrdt import Doc, Text

from workshop.drafting.yjs import ROOT, text_of


@dataclass
class FieldDoc:
    measure_id: int
    field_key: str
    doc: Doc = dc_field(init=False)
    last_id: int = 0  # the newest log row applied to doc
    rows: int = 0  # log rows since the last snapshot (as far as this process knows)
    reconciled: bool = False
    lock: threading.RLock = dc_field(default_factory=threading.RLock)
    dirty: bool = False
    last_author: int | None = None
    deadline: float = 0.0
    timer_running: bool = False
    # client updates waiting to be written together (hub.apply_client_update), and whether a
    # writer is at work on them
    pending: list = dc_field(default_factory=list)
    writing: bool = False
    queue_lock: threading.Lock = dc_field(default_factory=threading.Lock)
    # True only while the text is known to hold no line break: the check of a one-line field can
    # then skip reading the text out of the document (which walks every Yjs item; 30 editors typing
    # leave thousands) for an update without a line-break byte in it.
    newline_free: bool = False

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Start over with an empty document: the next catch-up reads the whole log (after a write
        that was applied here but not stored)."""
        self.doc = Doc(allow_multithreading=True)
        self.last_id, self.rows, self.newline_free = 0, 0, False

    def apply(self, update: bytes) -> None:
        """Apply an update (every change of the document goes through here)."""
        self.doc.apply_update(update)
        if b"\n" in update or b"\r" in update:  # may insert a line break (or only look like it)
            self.newline_free = False

    def note_text(self, text: str) -> None:
        """The text was read in full: remember whether it has a line break."""
        self.newline_free = "\n" not in text and "\r" not in text

    @property
    def text(self) -> str:
        return text_of(self.doc)

    @property
    def utf8_length(self) -> int:
        """The text's length in UTF-8 bytes, without reading it (yrs keeps it): never less than
        its length in characters."""
        return len(self.doc.get(ROOT, type=Text))
