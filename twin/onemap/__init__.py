"""The regulators' one map (一张图): hazard sources, risk zones, zones and alarms."""
