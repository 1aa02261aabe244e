"""Ankiety: surveys for families, answered once, anonymous ones without a trace of who answered."""
