"""Forgotten passwords: a single-use link by mail sets a new one and ends every session."""
