"""The school and its people: years, terms, classes, pupils, guardians, staff (the tenant root)."""
