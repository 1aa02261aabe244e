"""Roster names with NUL or other control characters are refused with the line and column."""

import pytest

from gradebook_service.extensions import db
from gradebook_service.roster.services import RosterInvalid, import_roster
from gradebook_service.school.models import Pupil
from tests.gradebook import accounts_factories as f
from tests.gradebook.test_roster_import import GOOD


@pytest.mark.parametrize(("row", "column"), [
    ("1a,Ja\x00n,Nowak,2019-02-02,Anna,Nowak,", "pupil_first_name"),
    ("1a,Jan,Nowak\x00,2019-02-02,Anna,Nowak,", "pupil_last_name"),
    ("1a,Jan,Nowak,2019-02-02,\x00Anna,Nowak,", "guardian_first_name"),
    ("1a,Jan,Nowak,2019-02-02,Anna,No\x1bwak,", "guardian_last_name"),
    ("1a,Jan,Nowak,2019-02-02,Anna,Nowak,a\x00@example.org", "guardian_email"),
])
def test_a_control_character_in_a_roster_value_is_refused(gradebook_app, row, column):
    school = f.make_school()
    with pytest.raises(RosterInvalid) as exc:
        import_roster(school.id, (GOOD + row + "\n").encode())
    db.session.rollback()
    problems = [p for p in exc.value.problems if column in p.message]
    assert problems and problems[0].line == 6
    assert "znak sterujący" in problems[0].message
    assert db.session.scalar(db.select(db.func.count()).select_from(Pupil)) == 0
