"""Homework set for a class in a subject, with a due date."""
