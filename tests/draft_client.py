"""A co-drafting client for tests: python-socketio on the /draft namespace with one pycrdt Doc per
field, applying what the server broadcasts the way the browser's Yjs documents do."""

from __future__ import annotations

import threading
from base64 import b64decode, b64encode

import socketio
from pycrdt import Doc, Text

NS = "/draft"


class DraftClient:
    def __init__(self, base_url: str, cookies: str, measure_id: int):
        self.measure_id = measure_id
        self.docs: dict[str, Doc] = {}
        self.saved: list[dict] = []
        self.presence: list[dict] = []
        self.statuses: list[dict] = []
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("draft.update", self._on_update, namespace=NS)
        self.sio.on("draft.saved", lambda m: self._record(self.saved, m), namespace=NS)
        self.sio.on("draft.presence", lambda m: self._record(self.presence, m), namespace=NS)
        self.sio.on("draft.status", lambda m: self._record(self.statuses, m), namespace=NS)
        self.sio.connect(
            base_url, headers={"Cookie": cookies}, namespaces=[NS], transports=["websocket"], wait_timeout=10
        )

    def _record(self, into: list, message: dict) -> None:
        with self.changed:
            into.append(message)
            self.changed.notify_all()

    def doc(self, field_key: str) -> Doc:
        with self.lock:
            if field_key not in self.docs:
                self.docs[field_key] = Doc(allow_multithreading=True)
            return self.docs[field_key]

    def text(self, field_key: str) -> str:
        with self.lock:
            return str(self.doc(field_key).get("text", type=Text))

    def _on_update(self, message: dict) -> None:
        with self.changed:
            self.doc(message["field_key"]).apply_update(b64decode(message["update"]))
            self.changed.notify_all()

    def call(self, event: str, data) -> dict:
        return self.sio.call(event, data, namespace=NS, timeout=15)

    def join(self) -> dict:
        ack = self.call("draft.join", {"measure_id": self.measure_id})
        if ack.get("ok"):
            with self.changed:
                for key, state in ack["fields"].items():
                    self.doc(key).apply_update(b64decode(state["update"]))
                self.changed.notify_all()
        return ack

    def edit(self, field_key: str, change) -> dict:
        """Run change(text) on the local document and send the resulting update; returns the ack."""
        with self.lock:
            doc = self.doc(field_key)
            before = doc.get_state()
            with doc.transaction():
                change(doc.get("text", type=Text))
            update = doc.get_update(before)
        return self.send(field_key, update)

    def send(self, field_key: str, update: bytes) -> dict:
        return self.call(
            "draft.update",
            {"measure_id": self.measure_id, "field_key": field_key, "update": b64encode(update).decode("ascii")},
        )

    def wait_for(self, predicate, what: str, timeout: float = 15) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: predicate(self), timeout):
                raise AssertionError(f"draft client never saw {what}")

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()
