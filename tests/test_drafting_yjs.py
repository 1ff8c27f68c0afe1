"""In-process tests of the pure Yjs helpers (no server): the missing-predecessor check and the
minimal server edit."""

from __future__ import annotations

from pycrdt import Doc, Text

from workshop.drafting.yjs import copy_of, edit_to, missing_dependencies, text_of


def _edits():
    """Three updates from one editor: insert "ab", append "cd", delete "a"."""
    doc = Doc()
    text = doc.get("text", type=Text)
    updates = []
    for change in (lambda: text.insert(0, "ab"), lambda: text.insert(2, "cd"), lambda: text.__delitem__(slice(0, 1))):
        before = doc.get_state()
        change()
        updates.append(doc.get_update(before))
    return updates


def test_an_update_in_order_is_complete():
    u1, u2, u3 = _edits()
    doc = Doc()
    for update in (u1, u2, u3):
        doc.apply_update(update)
        assert not missing_dependencies(doc, update)
    assert text_of(doc) == "bcd"


def test_an_insert_whose_predecessor_is_missing_is_detected():
    u1, u2, _u3 = _edits()
    doc = Doc()
    doc.apply_update(u2)
    assert missing_dependencies(doc, u2)
    assert text_of(doc) == ""  # Yjs keeps it pending, invisible
    doc.apply_update(u1)
    assert not missing_dependencies(doc, u1) and text_of(doc) == "abcd"


def test_a_deletion_of_something_unknown_is_detected():
    u1, _u2, u3 = _edits()
    assert missing_dependencies(_applied(u3), u3)
    assert not missing_dependencies(_applied(u1, u3), u3)


def _applied(*updates):
    doc = Doc()
    for update in updates:
        doc.apply_update(update)
    return doc


def test_a_server_edit_is_minimal_and_counts_characters_not_bytes():
    doc = Doc()
    doc.get("text", type=Text).insert(0, "Grüße aus Köln")
    update = edit_to(doc, "Grüße aus Berlin")
    assert text_of(doc) == "Grüße aus Köln"  # the document itself is unchanged
    other = copy_of(doc)
    other.apply_update(update)
    assert text_of(other) == "Grüße aus Berlin"
    assert edit_to(doc, "Grüße aus Köln") == edit_to(doc, text_of(doc))
