"""Co-drafting the measure record together: CRDT documents (pycrdt) per record field, kept in
sync with the browsers' Yjs documents over Socket.IO, with a durable append-only update log."""
