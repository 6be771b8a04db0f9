"""Safe routes on a site's route network: evacuation, rescue and alternatives."""
