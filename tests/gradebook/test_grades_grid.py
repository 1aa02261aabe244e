"""The grade grid: entry, editing and deleting with history, proposed/final grades, family view."""

from datetime import date

import pytest
import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.grades import services
from gradebook_service.grades.models import Grade
from gradebook_service.history.models import ChangeLogEntry
from tests.gradebook.register_factories import TODAY, build_school


def _setup(settings=None):
    world = build_school(settings=settings)
    teacher = world.staff_accounts["math"]
    klass, math = world.classes["1a"], world.subjects["math"]
    test = services.add_assessment(teacher, klass.id, math.id, world.term1,
                                   world.categories["Sprawdzian"].id, None, TODAY, "Ułamki")
    quiz = services.add_assessment(teacher, klass.id, math.id, world.term1,
                                   world.categories["Kartkówka"].id, None, TODAY, "Kartkówka")
    return world, teacher, klass, math, test, quiz


def _grid(world, klass, math):
    return services.grid(world.school, klass.id, math.id, world.term1)


def test_enter_edit_delete_with_history(gradebook_app):
    world, teacher, klass, math, test, quiz = _setup()
    p1, p2, p3 = world.pupils["1a"]
    g = _grid(world, klass, math)
    services.save_grid(teacher, world.school, g, {(p1.id, test.id): "5", (p1.id, quiz.id): "3+",
                                                  (p2.id, test.id): "np"}, {}, world.term1,
                       math.id)
    g = _grid(world, klass, math)
    assert str(g.averages[p1.id]) == "4.44"  # (5·5 + 3.5·3) / 8; np not averaged
    services.save_grid(teacher, world.school, g, {(p1.id, test.id): "4", (p2.id, test.id): ""},
                       {(p1.id, "term", "proposed"): "4"}, world.term1, math.id)
    db.session.commit()
    values = dict(db.session.execute(sa.select(Grade.pupil_id, Grade.value).where(
        Grade.assessment_id == test.id)).all())
    assert values == {p1.id: "4"}
    log = db.session.execute(sa.select(ChangeLogEntry.entity, ChangeLogEntry.action,
                                       ChangeLogEntry.old_value, ChangeLogEntry.new_value)
                             .order_by(ChangeLogEntry.id)).all()
    assert [(e, a) for e, a, *_ in log] == [("grade", "create")] * 3 + [
        ("grade", "update"), ("grade", "delete"), ("term_grade", "create")]
    assert log[3][2]["value"] == "5" and log[3][3]["value"] == "4"


def test_invalid_cells_save_nothing_and_name_each_problem(gradebook_app):
    world, teacher, klass, math, test, quiz = _setup()
    p1, p2, _ = world.pupils["1a"]
    g = _grid(world, klass, math)
    with pytest.raises(services.GradeError) as caught:
        services.save_grid(teacher, world.school, g, {(p1.id, test.id): "5",
                                                      (p2.id, test.id): "7"},
                           {(p1.id, "term", "final"): "4+"}, world.term1, math.id)
    assert set(caught.value.cells) == {(p2.id, test.id), (p1.id, "term", "final")}
    assert db.session.execute(sa.select(sa.func.count()).select_from(Grade)).scalar() == 0


def test_family_view_averages_per_term_and_year(gradebook_app):
    world, teacher, klass, math, test, quiz = _setup()
    p1 = world.pupils["1a"][0]
    g = _grid(world, klass, math)
    services.save_grid(teacher, world.school, g, {(p1.id, test.id): "5", (p1.id, quiz.id): "3+"},
                       {(p1.id, "term", "proposed"): "5"}, world.term1, math.id)
    term2_test = services.add_assessment(teacher, klass.id, math.id, world.term2,
                                         world.categories["Sprawdzian"].id, 2, date(2027, 3, 1), "")
    g2 = services.grid(world.school, klass.id, math.id, world.term2)
    services.save_grid(teacher, world.school, g2, {(p1.id, term2_test.id): "2"}, {}, world.term2,
                       math.id)
    rows = {r.name: r for r in services.pupil_grades(world.school, p1, world.year)}
    assert set(rows) == {"Matematyka", "Język polski", "Historia"}
    m = rows["Matematyka"]
    assert [x.value for x in m.grades[1]] == ["5", "3+"]
    assert m.grades[1][0].category == "Sprawdzian" and m.grades[1][0].weight == 5
    assert m.grades[1][0].teacher == "Anna Nowak"
    assert str(m.averages["term1"]) == "4.44"  # (5·5 + 3.5·3) / 8 = 4.4375
    assert str(m.averages["term2"]) == "2.00"
    assert str(m.averages["year"]) == "3.95"  # (25 + 10.5 + 4) / 10
    assert m.finals == {("term", "proposed"): 5}
    assert rows["Historia"].averages["term1"] is None


def test_school_settings_apply_to_the_grid(gradebook_app):
    world, teacher, klass, math, test, quiz = _setup({"grades": {"plus": 0.25}})
    p1 = world.pupils["1a"][0]
    services.save_grid(teacher, world.school, _grid(world, klass, math),
                       {(p1.id, quiz.id): "4+"}, {}, world.term1, math.id)
    assert str(_grid(world, klass, math).averages[p1.id]) == "4.25"
