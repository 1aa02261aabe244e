"""Lessons (topic), attendance per lesson, and excuses for absences."""
