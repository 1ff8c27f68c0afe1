"""Small, pure helpers over Yjs updates (v1 encoding) and pycrdt documents. No database, no sockets."""

from __future__ import annotations

from pycrdt import Doc, Text, get_update

ROOT = "text"  # the name of the shared Y.Text in every field document (browser: ydoc.getText("text"))


def byte_offset(text: str, index: int) -> int:
    """pycrdt (yrs) indexes text by UTF-8 bytes; Python and the browser count characters."""
    return len(text[:index].encode("utf-8"))


def _varuint(data: bytes, pos: int) -> tuple[int, int]:
    """lib0's variable-length unsigned integer at data[pos:]; returns (value, next position)."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def state_vector(encoded: bytes) -> dict[int, int]:
    count, pos = _varuint(encoded, 0)
    result = {}
    for _ in range(count):
        client, pos = _varuint(encoded, pos)
        clock, pos = _varuint(encoded, pos)
        result[client] = clock
    return result


def missing_dependencies(doc: Doc, update: bytes) -> bool:
    """True when `update`, already applied to `doc`, could not be integrated in full: some of its
    items or deletions refer to changes the document has not seen (their predecessor is missing).

    Yjs keeps such parts pending instead of failing; diffing the update against the document's
    state vector leaves exactly them: items past the state, plus the delete set, whose ranges we
    check against the state ourselves.
    """
    known = state_vector(doc.get_state())
    rest = get_update(update, doc.get_state())
    clients_with_items, pos = _varuint(rest, 0)
    if clients_with_items:
        return True
    clients, pos = _varuint(rest, pos)
    for _ in range(clients):
        client, pos = _varuint(rest, pos)
        ranges, pos = _varuint(rest, pos)
        for _ in range(ranges):
            clock, pos = _varuint(rest, pos)
            length, pos = _varuint(rest, pos)
            if clock + length > known.get(client, 0):
                return True
    return False


def copy_of(doc: Doc) -> Doc:
    scratch: Doc = Doc()
    scratch.apply_update(doc.get_update())
    return scratch


def text_of(doc: Doc) -> str:
    return str(doc.get(ROOT, type=Text))


def edit_to(doc: Doc, new_text: str) -> bytes:
    """The update that turns doc's text into new_text with one minimal delete + insert (doc unchanged)."""
    old = text_of(doc)
    prefix = 0
    while prefix < min(len(old), len(new_text)) and old[prefix] == new_text[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < min(len(old), len(new_text)) - prefix
        and old[len(old) - 1 - suffix] == new_text[len(new_text) - 1 - suffix]
    ):
        suffix += 1
    scratch = copy_of(doc)
    before = scratch.get_state()
    text = scratch.get(ROOT, type=Text)
    with scratch.transaction():
        start, end = byte_offset(old, prefix), byte_offset(old, len(old) - suffix)
        if end > start:
            del text[start:end]
        inserted = new_text[prefix : len(new_text) - suffix]
        if inserted:
            text.insert(start, inserted)
    return scratch.get_update(before)
