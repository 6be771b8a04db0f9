"""People on site: positioning tags, positions, headcount and geofences."""
