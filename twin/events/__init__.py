"""The event spine: typed events, ``emit`` (log in the transaction, publish after commit),
the bus and the append-only event log that replay reads."""
