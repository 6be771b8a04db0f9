"""Device simulators for tests and the demo: real protocol servers with settable values."""
