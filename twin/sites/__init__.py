"""Sites: one enterprise each, many per database (a chemical park)."""
