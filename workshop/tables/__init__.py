"""Table groups' pages: the printable QR code of each table and the link it holds (the activity
itself is workshop/activities/tables.py)."""
