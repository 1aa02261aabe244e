"""The homeroom teacher's class (wychowawca): all subjects, attendance, risks, classification."""
