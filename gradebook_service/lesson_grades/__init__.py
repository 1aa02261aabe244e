"""Grades entered in one held lesson: how a substitute teacher grades the lesson they took."""
