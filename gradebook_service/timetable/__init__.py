"""Bell times, the weekly timetable per class, and per-date changes (substitutions, cancellations)."""
