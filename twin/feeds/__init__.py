"""Liveness of the live data feeds: live, late or down, each on its own clock."""
