"""Embedded defaults: local services the demo starts itself when none is configured."""
