"""Roster import: classes, pupils and guardians from the school's CSV (DESIGN.md 5.1)."""
