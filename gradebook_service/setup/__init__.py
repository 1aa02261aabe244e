"""The administrator's setup pages (Sekretariat i administracja): the school from nothing."""
