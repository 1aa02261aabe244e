"""Notifications: e-mail and Web Push for new messages, grades, absences, tests and announcements."""
