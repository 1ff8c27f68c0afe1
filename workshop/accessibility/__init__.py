"""The accessibility statement (BITV 2.0 §12a) and the feedback channel for reporting barriers."""
