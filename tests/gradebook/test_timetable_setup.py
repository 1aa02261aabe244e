"""The administrator's bell times and weekly timetable: validated, clashes named, history kept."""

import pytest
import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.history.models import ChangeLogEntry
from gradebook_service.school.keys import find_by_id
from gradebook_service.school.models import ClassGroup
from gradebook_service.timetable.models import LessonPeriod, TimetableEntry
from tests.gradebook.register_factories import build_school, sign_in


@pytest.fixture
def world(gradebook_app):
    return build_school()


@pytest.fixture
def admin(world, gradebook_client):
    sign_in(gradebook_client, world.staff_accounts["admin"])
    return gradebook_client


def _entries(world, class_key="1a"):
    return db.session.execute(sa.select(TimetableEntry).where(
        TimetableEntry.class_id == world.classes[class_key].id)
        .order_by(TimetableEntry.weekday, TimetableEntry.period_number)).scalars().all()


def _slot(world, weekday=3, period=1, subject="math", teacher="math", room="", **extra):
    return {"weekday": weekday, "period": period, "subject_id": world.subjects[subject].id,
            "teacher_id": world.teachers[teacher].id, "room": room, **extra}


# --- bell times ---------------------------------------------------------------------------

def _bells(rows):
    data = {"rows": len(rows)}
    for i, (number, start, end) in enumerate(rows):
        data |= {f"number-{i}": number, f"starts-{i}": start, f"ends-{i}": end}
    return data


def test_bell_times_saved_and_recorded(world, admin):
    page = admin.get("/admin/bell-times")
    assert page.status_code == 200 and 'value="08:00"' in page.get_data(as_text=True)
    rows = [(str(n), f"{7 + n}:00", f"{7 + n}:45") for n in range(1, 9)] + [("9", "16:00",
                                                                              "16:45")]
    assert admin.post("/admin/bell-times", data=_bells(rows)).status_code == 303
    bells = db.session.execute(sa.select(LessonPeriod).where(
        LessonPeriod.school_id == world.school.id)).scalars().all()
    assert len(bells) == 9
    entry = db.session.execute(sa.select(ChangeLogEntry).where(
        ChangeLogEntry.entity == "bell_times")).scalar_one()
    assert entry.new_value["9"] == ["16:00", "16:45"] and entry.old_value["1"] == ["08:00", "08:45"]


@pytest.mark.parametrize(("rows", "message"), [
    ([("1", "8:00", "8:45"), ("2", "8:40", "9:30")], "Lekcja 2 (od 08:40) nachodzi na lekcję 1"),
    ([("1", "9:00", "8:45")], "Lekcja 1: początek (09:00) musi być przed końcem (08:45)."),
    ([("1", "8:00", "8:45"), ("1", "9:00", "9:45")], "Lekcja 1 jest podana dwa razy."),
    ([("x", "8:00", "8:45")], "„x” nie jest numerem lekcji"),
    ([("1", "8", "8:45")], "Lekcja 1: podaj początek i koniec jako GG:MM."),
])
def test_bad_bell_times_explained_in_polish_and_nothing_saved(world, admin, rows, message):
    admin.get("/admin/bell-times")
    # lessons 1–8 are in the timetable's range: keep 3–8 so only the typed rows are at issue
    keep = [(str(n), f"{7 + n}:00", f"{7 + n}:45") for n in range(3, 9)]
    response = admin.post("/admin/bell-times", data=_bells(rows + keep))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text
    assert 'value="' + rows[0][1] + '"' in text  # what was typed is shown again
    # a row being corrected is not a lesson being removed
    assert f"Lekcja {rows[0][0]} jest w planie lekcji" not in text
    assert db.session.execute(sa.select(sa.func.count()).select_from(LessonPeriod).where(
        LessonPeriod.school_id == world.school.id)).scalar() == 8


def test_a_lesson_in_the_timetable_cannot_be_removed_from_the_bells(world, admin):
    admin.get("/admin/bell-times")
    rows = [(str(n), f"{7 + n}:00", f"{7 + n}:45") for n in range(1, 6)]  # 6–8 removed
    response = admin.post("/admin/bell-times", data=_bells(rows))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    # class 1b has lessons 4–6 on Monday (the factory shifts it by three)
    assert "Lekcja 6 jest w planie lekcji" in text
    assert "Lekcja 7 jest w planie" not in text


# --- the class grid -----------------------------------------------------------------------

def test_grid_shows_the_week_and_adds_a_lesson(world, admin):
    page = admin.get(f"/admin/timetable/classes/{world.classes['1a'].id}")
    assert page.status_code == 200
    assert "Matematyka" in page.get_data(as_text=True)
    response = admin.post(f"/admin/timetable/classes/{world.classes['1a'].id}",
                          data=_slot(world, room="21"))
    assert response.status_code == 303
    added = [e for e in _entries(world) if e.weekday == 3]
    assert [(e.period_number, e.room) for e in added] == [(1, "21")]
    log = db.session.execute(sa.select(ChangeLogEntry).where(
        ChangeLogEntry.entity == "timetable_entry")).scalar_one()
    assert log.action == "create" and log.new_value["room"] == "21"


@pytest.mark.parametrize(("slot", "named"), [
    # Monday 1: 1a has maths with Anna Nowak in room 11
    ({"weekday": 1, "period": 1, "subject": "polish", "teacher": "polish", "room": "30"},
     "Poniedziałek, lekcja 1: klasa 1a ma już lekcję (Matematyka, Anna Nowak)."),
    # Monday 4: 1b has maths with Anna Nowak in room 11
    ({"weekday": 1, "period": 4, "subject": "math", "teacher": "math", "room": "30"},
     "Poniedziałek, lekcja 4: Anna Nowak ma już lekcję w klasie 1b (Matematyka)."),
    ({"weekday": 1, "period": 4, "subject": "polish", "teacher": "polish", "room": "11"},
     "Poniedziałek, lekcja 4: sala 11 jest zajęta przez klasę 1b (Matematyka, Anna Nowak)."),
])
def test_clashes_refused_and_named(world, admin, slot, named):
    admin.get(f"/admin/timetable/classes/{world.classes['1a'].id}")
    before = len(_entries(world))
    response = admin.post(f"/admin/timetable/classes/{world.classes['1a'].id}",
                          data=_slot(world, **slot))
    assert response.status_code == 422
    assert named in response.get_data(as_text=True)
    assert len(_entries(world)) == before


def test_two_groups_of_a_class_in_parallel(world, admin):
    klass = world.classes["1a"]
    groups = [ClassGroup(school_id=world.school.id, class_id=klass.id, name=f"ang. {n}")
              for n in (1, 2)]
    db.session.add_all(groups)
    db.session.commit()
    admin.get(f"/admin/timetable/classes/{klass.id}")
    url = f"/admin/timetable/classes/{klass.id}"
    assert admin.post(url, data=_slot(world, group_id=groups[0].id)).status_code == 303
    assert admin.post(url, data=_slot(world, subject="polish", teacher="polish",
                                      group_id=groups[1].id)).status_code == 303
    third = admin.post(url, data=_slot(world, subject="history", teacher="history"))
    assert third.status_code == 422
    assert "klasa 1a (ang. 1) ma już lekcję" in third.get_data(as_text=True)


def test_slot_needs_a_teaching_assignment_and_valid_choices(world, admin):
    admin.get(f"/admin/timetable/classes/{world.classes['1a'].id}")
    response = admin.post(f"/admin/timetable/classes/{world.classes['1a'].id}",
                          data=_slot(world, subject="math", teacher="polish"))
    assert response.status_code == 422
    assert ("Jan Kowalski nie uczy przedmiotu Matematyka w klasie 1a"
            in response.get_data(as_text=True))
    response = admin.post(f"/admin/timetable/classes/{world.classes['1a'].id}",
                          data={"weekday": 6, "period": 99, "subject_id": "", "teacher_id": ""})
    text = response.get_data(as_text=True)
    for message in ("Wybierz dzień tygodnia.", "Wybierz lekcję z dzwonków.",
                    "Wybierz przedmiot.", "Wybierz nauczyciela."):
        assert message in text


def test_change_and_remove_a_lesson(world, admin):
    entry = _entries(world)[0]  # Monday 1, maths
    admin.get(f"/admin/timetable/entries/{entry.id}")
    response = admin.post(f"/admin/timetable/entries/{entry.id}",
                          data=_slot(world, weekday=1, period=1, room="40"))
    assert response.status_code == 303  # the lesson does not clash with itself
    db.session.expire_all()
    assert find_by_id(TimetableEntry, entry.id).room == "40"
    assert admin.post(f"/admin/timetable/entries/{entry.id}/delete", data={}).status_code == 303
    db.session.expire_all()
    assert find_by_id(TimetableEntry, entry.id) is None
    actions = db.session.execute(sa.select(ChangeLogEntry.action).where(
        ChangeLogEntry.entity == "timetable_entry").order_by(ChangeLogEntry.id)).scalars().all()
    assert actions == ["update", "delete"]


# --- who may --------------------------------------------------------------------------------

def test_other_schools_rows_are_404(world, admin):
    other = build_school(name="SP 9")
    entry = _entries(other)[0]
    admin.get("/admin/timetable")
    assert admin.get(f"/admin/timetable/classes/{other.classes['1a'].id}").status_code == 404
    assert admin.get(f"/admin/timetable/entries/{entry.id}").status_code == 404
    assert admin.post(f"/admin/timetable/entries/{entry.id}/delete", data={}).status_code == 404
    assert admin.post(f"/admin/timetable/entries/{entry.id}",
                      data=_slot(world)).status_code == 404
    # another school's subject or teacher in the form is refused, not used
    response = admin.post(f"/admin/timetable/classes/{world.classes['1a'].id}",
                          data=_slot(other))
    assert response.status_code == 422
    db.session.expire_all()
    assert find_by_id(TimetableEntry, entry.id) is not None


@pytest.mark.parametrize("who", ["math", "parent", "pupil"])
def test_non_administrators_refused(world, gradebook_client, who):
    account = {"math": world.staff_accounts["math"],
               "parent": world.parent_accounts[world.pupils["1a"][0].id],
               "pupil": world.pupil_accounts[world.pupils["1a"][0].id]}[who]
    sign_in(gradebook_client, account)
    entry = _entries(world)[0]
    for url in ("/admin/bell-times", "/admin/timetable", "/admin/timetable/import",
                f"/admin/timetable/classes/{world.classes['1a'].id}",
                f"/admin/timetable/entries/{entry.id}"):
        assert gradebook_client.get(url).status_code in (403, 404), url
    assert gradebook_client.post(f"/admin/timetable/entries/{entry.id}/delete",
                                 data={"csrf_token": "x"}).status_code in (400, 403, 404)
    assert find_by_id(TimetableEntry, entry.id) is not None


def test_a_pupil_sees_the_whole_class_and_their_own_groups_lessons(world):
    from gradebook_service.school.models import ClassGroupMember
    from gradebook_service.timetable.services import class_plan
    from tests.gradebook.register_factories import TODAY

    klass = world.classes["1a"]
    first, second = (ClassGroup(school_id=world.school.id, class_id=klass.id, name=n)
                     for n in ("ang. 1", "ang. 2"))
    db.session.add_all([first, second])
    db.session.flush()
    pupil = world.pupils["1a"][0]
    db.session.add(ClassGroupMember(school_id=world.school.id, group_id=first.id,
                                    pupil_id=pupil.id))
    for group, key in ((first, "polish"), (second, "history")):
        db.session.add(TimetableEntry(school_id=world.school.id, school_year_id=world.year.id,
                                      class_id=klass.id, weekday=3, period_number=1,
                                      subject_id=world.subjects[key].id,
                                      teacher_id=world.teachers[key].id, group_id=group.id))
    db.session.commit()
    wednesday = [s.subject_name for s in class_plan(world.school.id, klass.id, TODAY,
                                                    pupil_id=pupil.id)
                 if s.date.isoweekday() == 3]
    assert wednesday == ["Język polski"]
    everyone = [s.subject_name for s in class_plan(world.school.id, klass.id, TODAY)
                if s.date.isoweekday() == 3]
    assert sorted(everyone) == ["Historia", "Język polski"]
