"""The register of measures: list and filters, table export (XLSX/CSV, Berlin and Aachen column
layouts), table import (Aachen TSV from seed 002, XLSX, CSV) and the JSON export of one measure.

Every record write goes through measures/record.py (edit_by_hand, source_kind "import")."""
