"""Workshop: live workshop facilitation whose results fill the measure record."""
