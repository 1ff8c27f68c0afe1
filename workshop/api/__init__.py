"""The read API: measures, records, sessions and protocols as JSON, described by OpenAPI."""
