"""What one printed letter says, apart from how it is drawn (``letters/pdf.py``).

Kept out of the PDF module so that planning letters and the admin pages do not
load fpdf (~44 MiB per worker); only :func:`gradebook_service.letters.pdf.render` does.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LetterPage:
    """What one page says."""

    school_name: str
    school_address: str | None
    pupil_name: str
    class_name: str
    guardian_name: str | None
    parent_login: str | None
    parent_password: str | None
    pupil_login: str | None
    pupil_password: str | None
    kind: str = "welcome"  # or "reset"


@dataclass
class StaffLetterPage:
    """A staff member's login and password (the second factor is set up at first sign-in)."""

    school_name: str
    school_address: str | None
    staff_name: str
    login: str
    password: str
    kind: str = "welcome"
