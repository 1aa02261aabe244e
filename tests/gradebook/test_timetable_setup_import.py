"""Timetable import: the whole file applies, or nothing does and every bad line is named."""

import pytest
import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.school.models import TeachingAssignment
from gradebook_service.timetable.models import TimetableEntry
from tests.gradebook.register_factories import build_school, sign_in

HEADER = "class;weekday;period;subject;teacher;room\n"


@pytest.fixture
def world(gradebook_app):
    return build_school()


@pytest.fixture
def admin(world, gradebook_client):
    sign_in(gradebook_client, world.staff_accounts["admin"])
    gradebook_client.get("/admin/timetable/import")
    return gradebook_client


def _upload(client, text: str | bytes, name="plan.csv"):
    from io import BytesIO
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post("/admin/timetable/import", data={"file": (BytesIO(data), name)},
                       content_type="multipart/form-data")


def _slots(world):
    return sorted(db.session.execute(sa.select(
        TimetableEntry.class_id, TimetableEntry.weekday, TimetableEntry.period_number,
        TimetableEntry.subject_id, TimetableEntry.teacher_id, TimetableEntry.room)
        .where(TimetableEntry.school_id == world.school.id)).all())


def test_a_good_file_replaces_the_named_classes_week(world, admin):
    other_before = [s for s in _slots(world) if s[0] == world.classes["1b"].id]
    response = _upload(admin, "\ufeff" + HEADER
                       + "1a;pn;1;Matematyka;Anna Nowak;11\n"
                       + "1a;Wtorek;2;pol;Kowalski Jan;12\n"
                       + ";;;;;\n"
                       + "1a;5;3;Historia;Jan Kowalski;\n")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Zaimportowano 3 lekcji dla klas 1a" in text
    mine = [s[1:] for s in _slots(world) if s[0] == world.classes["1a"].id]
    subjects, teachers = world.subjects, world.teachers
    assert mine == sorted([
        (1, 1, subjects["math"].id, teachers["math"].id, "11"),
        (2, 2, subjects["polish"].id, teachers["polish"].id, "12"),
        (5, 3, subjects["history"].id, teachers["polish"].id, None)])
    assert [s for s in _slots(world) if s[0] == world.classes["1b"].id] == other_before
    # Jan Kowalski now teaches history in 1a by the timetable: he has the assignment
    assert db.session.execute(sa.select(TeachingAssignment.id).where(
        TeachingAssignment.class_id == world.classes["1a"].id,
        TeachingAssignment.subject_id == subjects["history"].id,
        TeachingAssignment.teacher_id == teachers["polish"].id)).first() is not None


def test_bad_rows_apply_nothing_and_name_each_line(world, admin):
    before = _slots(world)
    response = _upload(admin, HEADER
                       + "1a;pn;1;Matematyka;Anna Nowak;11\n"       # 2: fine
                       + "7c;pn;2;Matematyka;Anna Nowak;11\n"       # 3: no class 7c
                       + "1a;sobota;2;Matematyka;Anna Nowak;11\n"   # 4: not a school day
                       + "1a;pn;20;Chemia;Jan Nikt;11\n"            # 5: lesson, subject, teacher
                       + "1a;pn;1;Historia;Ewa Wiśniewska;14\n"     # 6: 1a twice in period 1
                       + "1a;pn;4;Historia;Anna Nowak;30\n"         # 7: Anna Nowak in 1b then
                       + "1a;wt;1;Historia;Ewa Wiśniewska;11\n")    # 8: fine (1b is not there)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Nic nie zaimportowano" in text
    for line, message in [
        (3, "w tym roku szkolnym nie ma klasy „7c”."),
        (4, "„sobota” nie jest dniem nauki"),
        (5, "w dzwonkach nie ma lekcji „20”."),
        (5, "nie ma przedmiotu „Chemia”"),
        (5, "nie ma nauczyciela „Jan Nikt”"),
        (6, "Poniedziałek, lekcja 1: klasa 1a ma już lekcję (Matematyka, Anna Nowak)."),
        (7, "Poniedziałek, lekcja 4: Anna Nowak ma już lekcję w klasie 1b (Matematyka)."),
    ]:
        assert f"wiersz {line}: {message}" in text, (line, message)
    assert "wiersz 2:" not in text and "wiersz 8:" not in text
    db.session.expire_all()
    assert _slots(world) == before


def test_clash_between_two_rows_names_the_earlier(world, admin):
    response = _upload(admin, HEADER + "1a;pn;1;Matematyka;Anna Nowak;11\n"
                       "1b;pn;1;Matematyka;Anna Nowak;21\n"
                       "1b;pn;2;Historia;Ewa Wiśniewska;11\n"
                       "1a;pn;2;Język polski;Jan Kowalski;11\n")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "wiersz 3: Poniedziałek, lekcja 1: Anna Nowak ma już lekcję w klasie 1a" in text
    assert ("wiersz 5: Poniedziałek, lekcja 2: sala 11 jest zajęta przez klasę 1b "
            "(Historia, Ewa Wiśniewska).") in text


@pytest.mark.parametrize(("content", "message"), [
    ("klasa;dzien\n1a;1\n", "W nagłówku brakuje kolumn: class, weekday, period, subject, teacher."),
    (HEADER, "W pliku nie ma lekcji."),
    ("class;weekday;period;subject;teacher\n1a;pn;1;Matematyka;Anna Nowak\n".encode("cp1250")
     .replace(b"a", b"\xb9"), "Plik nie jest tekstem w UTF-8"),
])
def test_unreadable_files_explained(world, admin, content, message):
    before = _slots(world)
    response = _upload(admin, content)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _slots(world) == before


def test_no_file_chosen(world, admin):
    response = admin.post("/admin/timetable/import", data={},
                          content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Wybierz plik CSV." in response.get_data(as_text=True)


def test_comma_separated_and_english_day_names(world, admin):
    response = _upload(admin, "Class,Weekday,Period,Subject,Teacher\n1a,Monday,1,mat,Anna Nowak\n")
    assert response.status_code == 200
    assert [s[1:3] for s in _slots(world) if s[0] == world.classes["1a"].id] == [(1, 1)]


def test_the_command_line_import(world, gradebook_app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "1a;pn;1;Matematyka;Anna Nowak;11\n9z;pn;1;Matematyka;Anna Nowak;\n",
                   encoding="utf-8")
    before = _slots(world)
    result = gradebook_app.test_cli_runner().invoke(args=[
        "timetable", "import", str(bad), "--school", str(world.school.id)])
    assert result.exit_code == 1
    assert "line 3: there is no class “9z” this school year." in result.output
    assert "1 problem(s); nothing was imported" in result.output
    db.session.expire_all()
    assert _slots(world) == before
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "1a;pn;1;Matematyka;Anna Nowak;11\n", encoding="utf-8")
    result = gradebook_app.test_cli_runner().invoke(args=[
        "timetable", "import", str(good), "--school", str(world.school.id)])
    assert result.exit_code == 0, result.output
    assert "1 lessons for 1a: 5 earlier lessons replaced" in result.output
    db.session.expire_all()
    assert len([s for s in _slots(world) if s[0] == world.classes["1a"].id]) == 1
