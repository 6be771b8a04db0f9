"""Users, roles, tokens and the role x permission matrix."""
