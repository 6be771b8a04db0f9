"""Alarms per GB/T 50493 and ISA-18.2 practice: raise, acknowledge, clear, shelve, close."""
