"""Announcements to the whole school, a class, parents only or teachers only."""
