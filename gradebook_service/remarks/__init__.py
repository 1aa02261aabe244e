"""Remarks (uwagi) and behaviour grades (ocena z zachowania)."""
