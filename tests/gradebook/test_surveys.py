"""Surveys: creation, one answer per person, anonymity in the schema, results, CSV, query counts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from gradebook_service.extensions import db
from gradebook_service.surveys.charts import bar_chart
from gradebook_service.surveys.export import cell
from gradebook_service.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyAnswered,
    SurveyQuestion,
    SurveyResponse,
)
from tests.gradebook.register_factories import TODAY, build_school, sign_in
from tests.gradebook.test_register_query_counts import count_queries


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        yield


def _create(client, *, audience="class", class_id=None, anonymous=True, closes=None, title="Wycieczka"):
    data = {"title": title, "description": "Krótko", "audience": audience,
            "opens_on": TODAY.isoformat(),
            "closes_on": (closes or TODAY + timedelta(days=7)).isoformat(),
            "text-1": "Dokąd jedziemy?", "kind-1": "single", "options-1": "Kraków\nGdańsk\n",
            "required-1": "1",
            "text-2": "Co zabrać?", "kind-2": "multiple", "options-2": "Kanapki\nParasol\nAparat",
            "text-3": "Uwagi", "kind-3": "text", "action": "create", "slots": "5"}
    if anonymous:
        data["anonymous"] = "1"
    if class_id is not None:
        data["class_id"] = str(class_id)
    client.get("/staff/surveys/new")
    response = client.post("/staff/surveys/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return db.session.execute(sa.select(Survey).order_by(Survey.id.desc())).scalars().first()


def _options(survey):
    questions = db.session.execute(sa.select(SurveyQuestion).where(
        SurveyQuestion.survey_id == survey.id).order_by(SurveyQuestion.position)).scalars().all()
    return questions, [[o.id for o in q.options] for q in questions]


def _answer(client, account, survey, single, multiple=(), text=""):
    questions, options = _options(survey)
    sign_in(client, account)
    client.get(f"/family/surveys/{survey.id}")
    data = {f"q-{questions[0].id}": str(options[0][single]),
            f"q-{questions[1].id}": [str(options[1][i]) for i in multiple],
            f"q-{questions[2].id}": text}
    return client.post(f"/family/surveys/{survey.id}", data=data)


def test_teacher_creates_class_survey_and_parent_answers_once(gradebook_app, gradebook_client,
                                                               frozen):
    world = build_school()
    klass = world.classes["1a"]
    sign_in(gradebook_client, world.staff_accounts["math"])
    survey = _create(gradebook_client, class_id=klass.id)
    assert [q.kind for q in survey.questions] == ["single", "multiple", "text"]
    parent = world.parent_accounts[world.pupils["1a"][0].id]

    sign_in(gradebook_client, parent)
    page = gradebook_client.get("/family/surveys")
    assert "Wycieczka" in page.get_data(as_text=True)
    assert _answer(gradebook_client, parent, survey, 1, (0, 2), "Dziękuję").status_code == 303
    again = _answer(gradebook_client, parent, survey, 0)
    assert again.status_code == 422
    assert db.session.execute(sa.select(sa.func.count()).select_from(SurveyResponse)).scalar() == 1
    assert "Ankieta została już przez Ciebie wypełniona" in gradebook_client.get(
        "/family/surveys").get_data(as_text=True)


def test_answer_is_checked_and_errors_are_shown_in_polish(gradebook_app, gradebook_client, frozen):
    world = build_school()
    sign_in(gradebook_client, world.staff_accounts["math"])
    survey = _create(gradebook_client, class_id=world.classes["1a"].id)
    questions, options = _options(survey)
    sign_in(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id])
    gradebook_client.get(f"/family/surveys/{survey.id}")
    both = gradebook_client.post(f"/family/surveys/{survey.id}", data={
        f"q-{questions[0].id}": [str(o) for o in options[0]], f"q-{questions[2].id}": "Uwaga"})
    assert both.status_code == 422
    body = both.get_data(as_text=True)
    assert "wybierz jedną odpowiedź" in body and "Uwaga" in body  # typed text kept
    foreign = gradebook_client.post(f"/family/surveys/{survey.id}", data={
        f"q-{questions[0].id}": str(options[1][0])})
    assert foreign.status_code == 422
    missing = gradebook_client.post(f"/family/surveys/{survey.id}", data={})
    assert missing.status_code == 422
    assert db.session.execute(sa.select(sa.func.count()).select_from(SurveyAnswered)).scalar() == 0


def test_survey_of_another_class_or_school_is_404(gradebook_app, gradebook_client, frozen):
    world = build_school()
    other = build_school("SP 9")
    sign_in(gradebook_client, world.staff_accounts["math"])
    survey = _create(gradebook_client, class_id=world.classes["1a"].id)
    for account in (world.parent_accounts[world.pupils["1b"][0].id],
                    other.parent_accounts[other.pupils["1a"][0].id]):
        sign_in(gradebook_client, account)
        assert gradebook_client.get(f"/family/surveys/{survey.id}").status_code == 404
        assert "Wycieczka" not in gradebook_client.get("/family/surveys").get_data(as_text=True)
    sign_in(gradebook_client, world.staff_accounts["polish"])  # not the author, not the office
    assert gradebook_client.get(f"/staff/surveys/{survey.id}").status_code == 404
    sign_in(gradebook_client, other.staff_accounts["admin"])
    assert gradebook_client.get(f"/staff/surveys/{survey.id}").status_code == 404
    assert gradebook_client.get(f"/staff/surveys/{survey.id}/results.csv").status_code == 404


def test_teacher_may_not_ask_the_whole_school(gradebook_app, gradebook_client, frozen):
    world = build_school()
    sign_in(gradebook_client, world.staff_accounts["math"])
    gradebook_client.get("/staff/surveys/new")
    response = gradebook_client.post("/staff/surveys/new", data={
        "title": "Cała szkoła", "audience": "school", "opens_on": TODAY.isoformat(),
        "closes_on": TODAY.isoformat(), "text-1": "Tak?", "kind-1": "single",
        "options-1": "Tak\nNie", "action": "create"})
    assert response.status_code == 422
    assert "sekretariat" in response.get_data(as_text=True).lower()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Survey)).scalar() == 0


def test_audiences_parents_and_pupils(gradebook_app, gradebook_client, frozen):
    world = build_school()
    sign_in(gradebook_client, world.staff_accounts["admin"])
    _create(gradebook_client, audience="parents", title="Dla rodziców")
    _create(gradebook_client, audience="pupils", title="Dla uczniów")
    pupil = world.pupils["1b"][1]
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    page = gradebook_client.get("/family/surveys").get_data(as_text=True)
    assert "Dla rodziców" in page and "Dla uczniów" not in page
    sign_in(gradebook_client, world.pupil_accounts[pupil.id])
    page = gradebook_client.get("/family/surveys").get_data(as_text=True)
    assert "Dla uczniów" in page and "Dla rodziców" not in page


def _anonymity_world(client):
    world = build_school(pupils_per_class=4)
    sign_in(client, world.staff_accounts["admin"])
    survey = _create(client, audience="school", closes=TODAY + timedelta(days=2))
    families = [world.parent_accounts[p.id] for p in world.pupils["1a"]]
    for n, account in enumerate(families):
        assert _answer(client, account, survey, n % 2, (n % 3,), f"tekst {n}").status_code == 303
    return world, survey, families


def test_anonymous_answers_are_not_linked_to_anyone(gradebook_app, gradebook_client, frozen):
    """No column of any answer row holds an account id, a time or a sequence of answering."""
    world, survey, families = _anonymity_world(gradebook_client)
    account_ids = {a.id for a in families}
    assert {r.account_id for r in db.session.execute(sa.select(SurveyAnswered)).scalars()} \
        == account_ids
    for model in (SurveyResponse, SurveyAnswer):
        columns = {c.name for c in model.__table__.columns}
        assert not {"created_at", "updated_at", "answered_at"} & columns
        for table_fk in model.__table__.foreign_keys:
            assert table_fk.column.table.name != "school_account" or model is SurveyResponse
        for row in db.session.execute(sa.select(model.__table__)).mappings():
            assert isinstance(row["id"], str) and len(row["id"]) == 32  # random, not a sequence
            if model is SurveyResponse:
                assert row["respondent_id"] is None
    # The answered marks carry no time and no reference to a response.
    assert {c.name for c in SurveyAnswered.__table__.columns} == {
        "school_id", "survey_id", "account_id"}
    # Nothing in the responses orders them as they were given: the ids are not increasing.
    ids = [r for r in db.session.execute(sa.select(SurveyResponse.id)).scalars()]
    assert len(set(ids)) == len(families)


def test_anonymous_results_wait_for_the_close_and_show_no_names(gradebook_app, gradebook_client):
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        world, survey, families = _anonymity_world(gradebook_client)
        sign_in(gradebook_client, world.staff_accounts["admin"])
        page = gradebook_client.get(f"/staff/surveys/{survey.id}").get_data(as_text=True)
        assert "Kraków" not in page and "po jej zamknięciu" in page
        assert gradebook_client.get(f"/staff/surveys/{survey.id}/results.csv").status_code == 404
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day + 3, 9, 0, tzinfo=UTC)):
        sign_in(gradebook_client, world.staff_accounts["admin"])
        page = gradebook_client.get(f"/staff/surveys/{survey.id}").get_data(as_text=True)
        assert "<svg" in page and "2 (50%)" in page  # 2 of 4 chose Kraków, 2 Gdańsk
        exported = gradebook_client.get(f"/staff/surveys/{survey.id}/results.csv")
        rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
        assert rows[0] == ["Dokąd jedziemy?", "Co zabrać?", "Uwagi"]
        assert sorted(r[2] for r in rows[1:]) == [f"tekst {n}" for n in range(4)]
        names = {a.display_name for a in families}
        assert not any(name in exported.get_data(as_text=True) for name in names)


def test_named_results_count_and_export_with_names(gradebook_app, gradebook_client, frozen):
    world = build_school()
    sign_in(gradebook_client, world.staff_accounts["math"])
    survey = _create(gradebook_client, class_id=world.classes["1a"].id, anonymous=False)
    parents = [world.parent_accounts[p.id] for p in world.pupils["1a"]]
    _answer(gradebook_client, parents[0], survey, 0, (0, 1), "=HYPERLINK(\"x\")")
    _answer(gradebook_client, parents[1], survey, 0, (1,))
    _answer(gradebook_client, parents[2], survey, 1, ())
    sign_in(gradebook_client, world.staff_accounts["math"])
    page = gradebook_client.get(f"/staff/surveys/{survey.id}").get_data(as_text=True)
    assert "2 (67%)" in page and "1 (33%)" in page
    exported = gradebook_client.get(f"/staff/surveys/{survey.id}/results.csv")
    assert exported.headers["Content-Disposition"].startswith("attachment")
    text = exported.get_data(as_text=True)
    assert parents[0].display_name in text
    assert "'=HYPERLINK" in text  # a formula is neutralised
    listing = gradebook_client.get("/staff/surveys").get_data(as_text=True)
    assert "Wycieczka" in listing


def test_closed_survey_takes_no_answer(gradebook_app, gradebook_client):
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=UTC)):
        world = build_school()
        sign_in(gradebook_client, world.staff_accounts["math"])
        survey = _create(gradebook_client, class_id=world.classes["1a"].id, closes=TODAY)
    with time_machine.travel(datetime(TODAY.year, TODAY.month, TODAY.day + 1, 9, 0, tzinfo=UTC)):
        response = _answer(gradebook_client, world.parent_accounts[world.pupils["1a"][0].id],
                           survey, 0)
        assert response.status_code == 422 and "zamknięta" in response.get_data(as_text=True)
        assert db.session.execute(sa.select(sa.func.count()).select_from(SurveyAnswered)
                                  ).scalar() == 0


def test_survey_lists_stay_at_constant_queries(gradebook_app, gradebook_client, frozen):
    world = build_school()
    admin = world.staff_accounts["admin"]
    parent = world.parent_accounts[world.pupils["1a"][0].id]

    def counts():
        result = {}
        for account, url in ((parent, "/family/surveys"), (admin, "/staff/surveys")):
            sign_in(gradebook_client, account)
            gradebook_client.get(url)
            with gradebook_client.application.app_context(), count_queries(db.engine) as statements:
                assert gradebook_client.get(url).status_code == 200
            result[url] = len(statements)
        return result

    sign_in(gradebook_client, admin)
    _create(gradebook_client, audience="school")
    small = counts()
    for n in range(8):
        sign_in(gradebook_client, admin)
        survey = _create(gradebook_client, audience="school", title=f"Ankieta {n}")
        _answer(gradebook_client, world.parent_accounts[world.pupils["1b"][0].id], survey, 0)
    assert counts() == small


@pytest.mark.parametrize(("rows", "total", "widths", "percents"), [
    ([("a", 1), ("b", 3)], 4, [75, 225], [25, 75]),
    ([("a", 0)], 0, [0], [0]),
    ([("a", 2), ("b", 2)], 3, [200, 200], [67, 67]),  # multiple choice: shares add above 100
])
def test_bar_chart_geometry(rows, total, widths, percents):
    chart = bar_chart(rows, total)
    assert [b.width for b in chart.bars] == widths
    assert [b.percent for b in chart.bars] == percents
    assert chart.bars[-1].bar_y + chart.bar_height <= chart.height


@pytest.mark.parametrize(("value", "shown"), [("=1+1", "'=1+1"), ("+48", "'+48"),
                                               ("@SUM", "'@SUM"), ("Tak", "Tak"), ("", "")])
def test_csv_cells_never_start_a_formula(value, shown):
    assert cell(value) == shown
