"""Account settings: e-mail, password, second factor, linked school accounts, apps, data."""
