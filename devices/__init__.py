"""Protocol adapters (MQTT, Modbus), positioning solver and device simulators."""
