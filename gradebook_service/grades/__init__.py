"""Grades: assessments entered in a class grid, weighted averages, proposed and final grades."""
