"""Exports: iCalendar feeds of the timetable and the Terminarz, printable grade summaries (PDF)."""
