"""Sensor time series: raw readings, latest values, rollups, history queries."""
