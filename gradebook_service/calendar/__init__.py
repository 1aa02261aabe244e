"""Terminarz: announced tests, quizzes, trips and parent-teacher meetings per class."""
