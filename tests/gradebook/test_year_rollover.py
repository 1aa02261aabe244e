"""The year rollover (issue 14, design 5.1): promoted, repeating and graduating pupils,
the old year untouched and read-only, all or nothing, and the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from gradebook_service.extensions import db
from gradebook_service.grades.models import Grade
from gradebook_service.roster.rollover import run_rollover
from gradebook_service.school.keys import find_by_id
from gradebook_service.school.models import (
    Enrolment,
    Pupil,
    SchoolClass,
    SchoolYear,
    TeachingAssignment,
)
from tests.gradebook.register_factories import YEAR_END, sign_in
from tests.gradebook.year_factories import build_year_school, table_rows

TODAY = date(2026, 12, 7)
#: The old year's own rows: nothing in them may change by the rollover.
OLD_YEAR_TABLES = ["grade", "assessment", "attendance", "lesson", "final_grade", "remark",
                   "term", "timetable_entry", "teaching_assignment", "school_class",
                   "enrolment", "free_day", "grade_category", "guardianship", "guardian"]


def _old_rows(world) -> dict:
    rows = table_rows(OLD_YEAR_TABLES)
    new_classes = {str(c) for c in db.session.execute(sa.select(SchoolClass.id).where(
        SchoolClass.school_year_id != world.year.id)).scalars()}
    new_years = {str(y) for y in db.session.execute(sa.select(SchoolYear.id).where(
        SchoolYear.id != world.year.id)).scalars()}
    # Rows the new year added are not the old year's: keep rows whose ids point at old ones.
    keep = {}
    for name, table_rows_ in rows.items():
        table = db.metadata.tables[name]
        columns = [c.name for c in table.columns]
        kept = []
        for row in table_rows_:
            values = dict(zip(columns, row, strict=True))
            if values.get("school_year_id") in new_years or values.get("class_id") in new_classes:
                continue
            if name == "school_class" and values["id"] in new_classes:
                continue
            kept.append(row)
        keep[name] = kept
    year = find_by_id(SchoolYear, world.year.id)
    keep["school_year"] = [(year.name, year.starts_on, year.ends_on)]
    return keep


def test_rollover_promotes_repeats_and_graduates(gradebook_app):
    world = build_year_school()
    four, eight = world.pupils["1a"], world.pupils["1b"]
    repeating = four[0]
    result = run_rollover(world.school.id, "2027/2028", [repeating.id], actor="test",
                          today=TODAY)
    db.session.commit()
    assert result.counts == {"classes": 2, "promoted": 2, "repeating": 1, "graduating": 3}
    new_year = db.session.execute(sa.select(SchoolYear).where(
        SchoolYear.school_id == world.school.id, SchoolYear.is_current.is_(True))).scalar_one()
    assert new_year.name == "2027/2028" and len(new_year.terms) == 2
    assert new_year.starts_on == date(2027, 9, 1)
    classes = {c.name: c for c in db.session.execute(sa.select(SchoolClass).where(
        SchoolClass.school_year_id == new_year.id)).scalars()}
    assert sorted(classes) == ["4a", "5a"]
    assert classes["5a"].level == 5 and classes["4a"].level == 4
    assert classes["5a"].homeroom_teacher_id == world.classes["1a"].homeroom_teacher_id
    for pupil in four[1:]:
        db.session.refresh(pupil)
        assert pupil.class_id == classes["5a"].id and pupil.register_number in (1, 2)
    db.session.refresh(repeating)
    assert repeating.class_id == classes["4a"].id
    for pupil in eight:
        db.session.refresh(pupil)
        assert pupil.class_id is None and pupil.left_reason == "graduated"
        assert pupil.left_on == YEAR_END
        assert pupil.family_access_until == YEAR_END + timedelta(days=365)
    # Teaching assignments follow the promoted class.
    taught = set(db.session.execute(sa.select(TeachingAssignment.teacher_id).where(
        TeachingAssignment.class_id == classes["5a"].id)).scalars())
    assert world.teachers["only_4a"].id in taught and world.teachers["math"].id in taught
    # Everyone's history: the old class in the old year, the new one in the new.
    history = db.session.execute(sa.select(Enrolment.school_year_id, Enrolment.class_id,
                                           Enrolment.reason).where(
        Enrolment.pupil_id == four[1].id).order_by(Enrolment.starts_on)).all()
    assert history == [(world.year.id, world.classes["1a"].id, "joined"),
                       (new_year.id, classes["5a"].id, "promoted")]
    assert db.session.execute(sa.select(Enrolment.reason).where(
        Enrolment.pupil_id == repeating.id, Enrolment.school_year_id == new_year.id)
    ).scalar_one() == "repeating"


def test_nothing_of_the_old_year_changes(gradebook_app):
    world = build_year_school()
    before = _old_rows(world)
    run_rollover(world.school.id, "2027/2028", [world.pupils["1a"][0].id], actor="test",
                 today=TODAY)
    db.session.commit()
    db.session.expire_all()
    assert _old_rows(world) == before


def test_interrupted_rollover_leaves_no_rows_and_runs_again(gradebook_app):
    world = build_year_school()
    before = table_rows()

    def boom(done: int, total: int) -> None:
        if done == 1:  # after the first class (8b graduated): the new year exists already
            assert db.session.execute(sa.select(sa.func.count()).select_from(SchoolYear)
                                      ).scalar() == 2
            assert db.session.execute(sa.select(sa.func.count()).select_from(Pupil).where(
                Pupil.left_on.is_not(None))).scalar() == 3
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        run_rollover(world.school.id, "2027/2028", (), actor="test", today=TODAY,
                     progress=boom)
    db.session.rollback()
    assert table_rows() == before
    result = run_rollover(world.school.id, "2027/2028", (), actor="test", today=TODAY)
    db.session.commit()
    assert result.year.name == "2027/2028" and result.counts["promoted"] == 3


def test_cli_dry_run_then_run_then_the_same_year_again(gradebook_app):
    world = build_year_school()
    runner = gradebook_app.test_cli_runner()
    before = table_rows()
    dry = runner.invoke(args=["school", "year", "rollover", "--to", "2027/2028", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "4a -> 5a: 3 pupil(s)" in dry.output and "8b -> graduates: 3" in dry.output
    assert "nothing was changed" in dry.output
    db.session.expire_all()
    assert table_rows() == before
    repeat = world.pupils["1a"][2].id
    done = runner.invoke(args=["school", "year", "rollover", "--to", "2027/2028",
                               "--repeat", str(repeat)])
    assert done.exit_code == 0, done.output
    assert "2027/2028: 2 promoted, 1 repeating, 3 graduated" in done.output
    again = runner.invoke(args=["school", "year", "rollover", "--to", "2027/2028"])
    assert again.exit_code == 1
    lines = [line for line in again.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "2027/2028" in lines[0], again.output
    bad = runner.invoke(args=["school", "year", "rollover", "--to", "2027-2028"])
    assert bad.exit_code == 1 and len(bad.output.strip().splitlines()) == 1


def test_last_year_is_read_only_and_under_the_year_switcher(gradebook_app, gradebook_client):
    world = build_year_school()
    pupil = world.pupils["1a"][1]
    old_class, math = world.classes["1a"], world.subjects["math"]
    grades_before = db.session.execute(sa.select(sa.func.count()).select_from(Grade).where(
        Grade.pupil_id == pupil.id)).scalar()
    assert grades_before > 0
    run_rollover(world.school.id, "2027/2028", (), actor="test", today=TODAY)
    db.session.commit()
    gradebook_app.extensions["school_years"].clear()
    # The family sees last year's grades, attendance and remarks under the switcher.
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    page = gradebook_client.get("/family/archive")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2026/2027" in html and "4a" in html and "archive-grades" in html
    assert gradebook_client.get(f"/family/archive?year={world.year.id + 999}").status_code == 404
    # Nothing posts into the old year: the old class's grade grid refuses, even the admin.
    for key in ("math", "admin"):
        sign_in(gradebook_client, world.staff_accounts[key])
        url = f"/staff/classes/{old_class.id}/subjects/{math.id}/grades"
        assert gradebook_client.get(url).status_code == 404
        response = gradebook_client.post(url, data={"x": "1"})
        assert response.status_code in (400, 404)
    db.session.expire_all()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Grade).where(
        Grade.pupil_id == pupil.id)).scalar() == grades_before
    # The teacher reads the old class in the archive.
    sign_in(gradebook_client, world.staff_accounts["math"])
    assert gradebook_client.get(f"/staff/archive?year={world.year.id}").status_code == 200
    archived = gradebook_client.get(f"/staff/archive/classes/{old_class.id}")
    assert archived.status_code == 200 and pupil.last_name in archived.get_data(as_text=True)


def test_graduates_family_reads_until_retention_then_is_disabled(gradebook_app,
                                                                 gradebook_client):
    world = build_year_school()
    graduate = world.pupils["1b"][0]
    run_rollover(world.school.id, "2027/2028", (), actor="test", today=TODAY)
    db.session.commit()
    sign_in(gradebook_client, world.parent_accounts[graduate.id])
    assert gradebook_client.get("/family/archive").status_code == 200
    later = YEAR_END + timedelta(days=366)
    from gradebook_service.roster.enrolment import expire_family_access

    assert expire_family_access(world.school.id, later, actor="test") == 6  # 3 × parent, pupil
    db.session.commit()
    assert gradebook_client.get("/family/archive").status_code in (302, 404)
    assert not world.parent_accounts[graduate.id].is_active


def test_letters_only_for_newcomers_after_rollover(gradebook_app):
    from gradebook_service.letters.services import Selection, plan_pages
    from gradebook_service.roster.services import import_roster

    world = build_year_school()
    run_rollover(world.school.id, "2027/2028", (), actor="test", today=TODAY)
    db.session.commit()
    new_day = date(2027, 9, 1)
    csv = ("class,pupil_first_name,pupil_last_name,pupil_birth_date,guardian_first_name,"
           "guardian_last_name,guardian_email\n1a,Nowa,Pierwszoklasistka,2020-03-03,Matka,"
           "Pierwszoklasistki,\n")
    import_roster(world.school.id, csv, actor="test", joined_on=new_day)
    db.session.commit()
    plans = plan_pages(world.school.id, Selection(None, new_day, None, False))
    # Only the newcomer: promoted and repeating pupils keep their letters, graduates get none.
    assert {p.pupil.last_name for p in plans} == {"Pierwszoklasistka"}
    assert db.session.execute(sa.select(Pupil.class_id).where(
        Pupil.last_name == "Pierwszoklasistka")).scalar() is not None


def test_family_cannot_excuse_last_years_absence(gradebook_app, gradebook_client):
    from gradebook_service.lessons.models import Attendance, Excuse

    world = build_year_school()
    pupil = world.pupils["1a"][0]  # absent on the first lesson of every 4 (add_register)
    absence = db.session.execute(sa.select(Attendance).where(
        Attendance.pupil_id == pupil.id, Attendance.status == "absent")).scalars().first()
    assert absence is not None
    run_rollover(world.school.id, "2027/2028", (), actor="test", today=TODAY)
    db.session.commit()
    gradebook_app.extensions["school_years"].clear()
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    page = gradebook_client.get("/family/excuses/new")
    assert page.status_code == 200 and f'value="{absence.id}"' not in page.get_data(as_text=True)
    refused = gradebook_client.post("/family/excuses/new", data={
        "absence": [absence.id], "reason": "choroba"})
    assert refused.status_code == 422
    assert db.session.execute(sa.select(sa.func.count()).select_from(Excuse)).scalar() == 0


def test_expire_access_cli_disables_families_after_the_grace_period(gradebook_app):
    world = build_year_school()
    pupil = world.pupils["1a"][0]
    from gradebook_service.roster.enrolment import leave_school

    leave_school(pupil, date(2026, 10, 1), "przeniesiony", actor="test")  # grace: 30 days
    db.session.commit()
    with time_machine.travel(datetime(2026, 12, 7, 9, 0, tzinfo=UTC)):
        result = gradebook_app.test_cli_runner().invoke(args=["school", "year",
                                                              "expire-access"])
    assert result.exit_code == 0 and "2 family account(s) disabled" in result.output
    db.session.expire_all()
    assert not world.parent_accounts[pupil.id].is_active
    assert not world.pupil_accounts[pupil.id].is_active
    assert world.parent_accounts[world.pupils["1a"][1].id].is_active
    again = gradebook_app.test_cli_runner().invoke(args=["school", "year", "expire-access"])
    assert "0 family account(s) disabled" in again.output
