"""The front door: where each person lands after signing in, and the school office page."""
