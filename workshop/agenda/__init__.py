"""What a session is made of: session templates (steps checked against the activity registry) and
creating a session from one.

A package of its own because it sits above both sessions/ (a session's state: models, runtime,
join codes) and activities/ (which work on that state): inside sessions/ it made the two import
each other.
"""
