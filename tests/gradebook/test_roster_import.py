"""Roster import: rows validated with line numbers, all or nothing, idempotent, CLI and web."""

import io

import pytest

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.roster.services import RosterInvalid, import_roster
from gradebook_service.school.models import Guardian, Guardianship, Pupil, SchoolClass
from tests.gradebook import accounts_factories as f

HEADER = ("class,pupil_first_name,pupil_last_name,pupil_birth_date,guardian_first_name,"
          "guardian_last_name,guardian_email\n")
GOOD = HEADER + (
    "1a,Zofia,Wiśniewska,2019-05-01,Magdalena,Wiśniewska,m.wisniewska@example.org\n"
    "1a,Zofia,Wiśniewska,2019-05-01,Zbigniew,Wiśniewski,\n"
    "4a,Tymon,Wiśniewski,2016-03-14,Magdalena,Wiśniewska,m.wisniewska@example.org\n"
    "1a,Łucja,Żak,2019-01-31,Ewa,Żak,\n")


def _counts():
    return tuple(db.session.execute(db.select(db.func.count()).select_from(m)).scalar_one()
                 for m in (SchoolClass, Pupil, Guardian, Guardianship, SchoolAccount))


def test_import_creates_people_and_accounts(gradebook_app):
    school = f.make_school()
    result = import_roster(school.id, GOOD.encode())
    assert (result.pupils_created, result.guardians_created, result.guardianships_created,
            result.classes_created) == (3, 3, 4, 2)
    # 4 parent logins (one per pair) + 3 pupil logins
    assert result.accounts_created == 7
    zofia = db.session.execute(db.select(Pupil).where(Pupil.first_name == "Zofia")).scalar_one()
    first, second = zofia.guardianships
    assert (first.position, second.position) == (1, 2)
    mother = first.guardian
    assert len(mother.guardianships) == 2  # one guardian, two children, two logins
    logins = db.session.execute(db.select(SchoolAccount.login).where(
        SchoolAccount.guardianship_id.in_([g.id for g in mother.guardianships]))).scalars().all()
    assert len(set(logins)) == 2
    assert all(a.password_hash is None for a in db.session.execute(
        db.select(SchoolAccount)).scalars())


def test_importing_the_same_file_again_changes_nothing(gradebook_app):
    school = f.make_school()
    import_roster(school.id, GOOD.encode())
    before = _counts()
    logins = sorted(db.session.execute(db.select(SchoolAccount.login)).scalars())
    result = import_roster(school.id, GOOD.encode())
    assert not result.changed
    assert _counts() == before
    assert sorted(db.session.execute(db.select(SchoolAccount.login)).scalars()) == logins


def test_a_second_file_adds_only_what_is_new(gradebook_app):
    school = f.make_school()
    import_roster(school.id, GOOD.encode())
    result = import_roster(school.id, (GOOD + "1a,Ignacy,Nowak,2019-02-02,Anna,Nowak,\n").encode())
    assert (result.pupils_created, result.accounts_created) == (1, 2)


@pytest.mark.parametrize(("row", "message"), [
    ("1a,,Nowak,2019-02-02,Anna,Nowak,", "kolumna pupil_first_name jest pusta"),
    ("1a,Jan,Nowak,2019-02-30,Anna,Nowak,", "nie jest datą"),
    ("1a,Jan,Nowak,02.02.2019,Anna,Nowak,", "nie jest datą"),
    ("9z,Jan,Nowak,2019-02-02,Anna,Nowak,", "nie jest nazwą klasy"),
    ("1a,Jan,Nowak,2019-02-02,Anna,Nowak,not-an-email", "nie jest adresem e-mail"),
    ("1a,Jan,Nowak,1950-02-02,Anna,Nowak,", "wiarygodną datą urodzenia"),
])
def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_imported(gradebook_app, row,
                                                                         message):
    school = f.make_school()
    before = _counts()
    with pytest.raises(RosterInvalid) as exc:
        import_roster(school.id, (GOOD + row + "\n").encode())
    db.session.rollback()
    (problem,) = exc.value.problems
    assert problem.line == 6
    assert message in problem.message
    assert _counts() == before


def test_missing_columns_and_duplicates_are_reported(gradebook_app):
    school = f.make_school()
    with pytest.raises(RosterInvalid) as exc:
        import_roster(school.id, b"class,pupil_first_name\n1a,Jan\n")
    assert "guardian_email" in exc.value.problems[0].message
    with pytest.raises(RosterInvalid) as exc:
        import_roster(school.id, (GOOD + GOOD.splitlines()[1] + "\n").encode())
    assert exc.value.problems[0].line == 6 and "wierszu 2" in exc.value.problems[0].message


def test_cli_import_reports_problems_and_imports(gradebook_app, tmp_path):
    f.make_school()
    f.commit()
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "1a,Jan,Nowak,2019-13-01,Anna,Nowak,\n", encoding="utf-8")
    runner = gradebook_app.test_cli_runner()
    result = runner.invoke(args=["roster", "import", str(bad)])
    assert result.exit_code != 0
    assert "line 6:" in result.output and "nothing was imported" in result.output
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(args=["roster", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "3 pupils" in result.output
    result = runner.invoke(args=["roster", "import", str(good)])
    assert "nothing changed" in result.output


def test_web_upload_by_admin(gradebook_app, gradebook_client):
    school = f.make_school()
    admin = f.make_staff(school, admin=True)
    f.commit()
    f.sign_in(gradebook_client, admin)
    gradebook_client.get("/admin/roster?lang=en")
    bad = GOOD + "1a,Jan,Nowak,nope,Anna,Nowak,\n"
    response = gradebook_client.post("/admin/roster", data={
        "file": (io.BytesIO(bad.encode()), "roster.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "line 6" in response.data.decode()
    assert db.session.execute(db.select(db.func.count()).select_from(Pupil)).scalar_one() == 0
    response = gradebook_client.post("/admin/roster", data={
        "file": (io.BytesIO(GOOD.encode()), "roster.csv")}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert db.session.execute(db.select(db.func.count()).select_from(Pupil)).scalar_one() == 3


def test_only_the_admin_may_import(gradebook_app, gradebook_client):
    school = f.make_school()
    secretary = f.make_staff(school, secretary=True, teacher=False)
    f.commit()
    f.sign_in(gradebook_client, secretary)
    assert gradebook_client.get("/admin/roster").status_code == 403
