"""Agent core: the pieces of a turn that the core adds around the user's prompt."""
