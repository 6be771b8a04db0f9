"""plant-twin: the FastAPI application, live engine, CLI and migrations."""

__version__ = "0.1.0"
