"""One record field's co-drafting document in this process: the merged pycrdt Doc and its bookkeeping.

Its own module so that the hub (which holds them) and the record sync (which reads and changes
them) both use it without importing each other.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from dataclasses import field as dc_field

from pycrdt import Doc

from workshop.drafting.yjs import text_of


@dataclass
class FieldDoc:
    measure_id: int
    field_key: str
    doc: Doc = dc_field(default_factory=lambda: Doc(allow_multithreading=True))
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

    @property
    def text(self) -> str:
        return text_of(self.doc)
