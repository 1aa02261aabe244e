"""School office pages: roster import, letters, hand-over, lost passwords, terms of use."""
