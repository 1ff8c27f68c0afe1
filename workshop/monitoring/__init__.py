"""After the mandate, read side: progress roll-up, charts, the status report, the calendar feed and
their pages. The data and its one write path are in measures/ (monitoring.py, record.py)."""
