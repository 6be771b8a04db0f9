"""Pure models: consequence models, evacuation simulation, drill scenarios, replay clock."""
