"""Model-visible prompt context (permissions, skills, AGENTS.md, environment_context).

Submodules are imported lazily by callers; this package imports nothing at load time.
"""
