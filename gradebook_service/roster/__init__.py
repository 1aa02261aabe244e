"""Roster import: classes, pupils and guardians from the school's CSV (docs/architecture.md 5.1)."""
