"""The event log: every discrete live event, kept append-only, and replay of any period."""
