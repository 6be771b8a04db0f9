"""Incidents: declared, followed live (zones, people, routes, resources), then closed."""
