"""Replay: a period of the plant (or a simulated drill) played back over the live protocol."""
