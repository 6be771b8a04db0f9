"""MQTT device ingress: topic and payload contract, and the ingest client."""
