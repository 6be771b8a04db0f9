"""The live engine: readings in, stored in batches, alarms evaluated, events pushed out."""
