"""The API's scopes (docs/architecture.md 5.5): the IdP lists and grants them, the API checks them."""

GRADES = "grades:read"
ATTENDANCE = "attendance:read"
EXCUSE = "attendance:excuse"
TIMETABLE = "timetable:read"
HOMEWORK = "homework:read"
CALENDAR = "calendar:read"
ANNOUNCEMENTS = "announcements:read"
