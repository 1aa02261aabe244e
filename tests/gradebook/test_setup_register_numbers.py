"""Register numbers: Polish alphabetical order on import, newcomers at the end, renumbering."""

from gradebook_service.extensions import db
from gradebook_service.roster.register_numbers import renumber_class
from gradebook_service.roster.services import import_roster
from gradebook_service.school.models import Pupil, SchoolClass
from tests.gradebook import accounts_factories as f

HEADER = ("class,pupil_first_name,pupil_last_name,pupil_birth_date,guardian_first_name,"
          "guardian_last_name,guardian_email\n")


def _row(cls, first, last, birth="2019-03-01"):
    return f"{cls},{first},{last},{birth},Anna,{last},\n"


def _numbers(class_name):
    return [(p.register_number, p.last_name, p.first_name) for p in db.session.execute(
        db.select(Pupil).join(SchoolClass, SchoolClass.id == Pupil.class_id)
        .where(SchoolClass.name == class_name).order_by(Pupil.register_number)).scalars()]


def test_an_imported_class_is_numbered_in_polish_order(gradebook_app):
    school = f.make_school()
    csv = HEADER + "".join(_row("1a", first, last) for first, last in [
        ("Łucja", "Nowak"), ("Lena", "Nowak"), ("Jan", "Śliwa"), ("Ola", "Sowa"),
        ("Piotr", "Żak"), ("Adam", "Ziółek"), ("Ewa", "Źrebiec"), ("Iga", "Ćwik"),
        ("Ala", "Cebula"), ("Ida", "łaska"), ("Olek", "Lis")])
    import_roster(school.id, csv.encode())
    assert _numbers("1a") == [
        (1, "Cebula", "Ala"), (2, "Ćwik", "Iga"), (3, "Lis", "Olek"), (4, "łaska", "Ida"),
        (5, "Nowak", "Lena"), (6, "Nowak", "Łucja"), (7, "Sowa", "Ola"), (8, "Śliwa", "Jan"),
        (9, "Ziółek", "Adam"), (10, "Źrebiec", "Ewa"), (11, "Żak", "Piotr")]


def test_a_newcomer_gets_the_next_number_and_renumbering_sorts_the_class(gradebook_app):
    school = f.make_school()
    first = HEADER + _row("2b", "Lena", "Sowa") + _row("2b", "Zofia", "Śliwa")
    import_roster(school.id, first.encode())
    import_roster(school.id, (first + _row("2b", "Adam", "Abacki")
                              + _row("3c", "Ola", "Sowa", "2018-01-01")).encode())
    assert _numbers("2b") == [(1, "Sowa", "Lena"), (2, "Śliwa", "Zofia"), (3, "Abacki", "Adam")]
    assert _numbers("3c") == [(1, "Sowa", "Ola")]
    klass = db.session.execute(db.select(SchoolClass).where(SchoolClass.name == "2b")).scalar_one()
    changes = renumber_class(school.id, klass.id)
    assert _numbers("2b") == [(1, "Abacki", "Adam"), (2, "Sowa", "Lena"), (3, "Śliwa", "Zofia")]
    assert sorted(changes.values()) == [(1, 2), (2, 3), (3, 1)]
    assert renumber_class(school.id, klass.id) == {}


def test_a_pupil_moved_to_another_class_is_numbered_there(gradebook_app):
    school = f.make_school()
    import_roster(school.id, (HEADER + _row("1a", "Lena", "Sowa") + _row("1a", "Iga", "Abacka")
                              + _row("1b", "Ola", "Zając")).encode())
    import_roster(school.id, (HEADER + _row("1b", "Lena", "Sowa") + _row("1a", "Iga", "Abacka")
                              + _row("1b", "Ola", "Zając")).encode())
    assert _numbers("1b") == [(1, "Zając", "Ola"), (2, "Sowa", "Lena")]
    assert _numbers("1a") == [(1, "Abacka", "Iga")]


def test_renumbering_stays_inside_the_school(gradebook_app):
    school, other = f.make_school(), f.make_school()
    import_roster(other.id, (HEADER + _row("1a", "Ola", "Zając")).encode())
    theirs = db.session.execute(db.select(SchoolClass).where(
        SchoolClass.school_id == other.id)).scalar_one()
    assert renumber_class(school.id, theirs.id) == {}
