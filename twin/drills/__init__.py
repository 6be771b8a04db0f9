"""Drills: scenarios (versioned), simulated and live runs kept apart from real data, their
evaluation against the emergency plan's targets, and reports."""
