"""The ``twin`` command-line tool."""
