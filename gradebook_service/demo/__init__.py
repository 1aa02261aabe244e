"""Demo data: the school "Szkoła Podstawowa nr 5 w Żorach" with people and working logins."""
