"""Survey results as CSV: one row per response, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.surveys.models import Survey, SurveyAnswer, SurveyResponse
from gradebook_service.surveys.services import survey_questions

#: A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """Quote a value so a spreadsheet shows it as text and never runs it."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def results_csv(survey: Survey, respondent_header: str) -> str:
    """Every response as a row (the respondent's name only for a named survey), ordered by id."""
    questions = survey_questions(survey)
    options = {o.id: o.text for q in questions for o in q.options}
    rows: dict[str, dict[int, list[str]]] = {}
    names: dict[str, str] = {}
    query = (sa.select(SurveyResponse.id, SurveyResponse.respondent_id, SurveyAnswer.question_id,
                       SurveyAnswer.option_id, SurveyAnswer.text)
             .outerjoin(SurveyAnswer, sa.and_(SurveyAnswer.response_id == SurveyResponse.id,
                                              SurveyAnswer.school_id == SurveyResponse.school_id))
             .where(SurveyResponse.school_id == survey.school_id,
                    SurveyResponse.survey_id == survey.id))
    respondents: dict[str, int] = {}
    for response_id, respondent_id, question_id, option_id, text in db.session.execute(query):
        answers = rows.setdefault(response_id, {})
        if respondent_id is not None and not survey.anonymous:
            respondents[response_id] = respondent_id
        if question_id is not None:
            answers.setdefault(question_id, []).append(
                options.get(option_id, "") if option_id is not None else text or "")
    if respondents:
        accounts = {a.id: a for a in db.session.execute(sa.select(SchoolAccount).where(
            SchoolAccount.school_id == survey.school_id,
            SchoolAccount.id.in_(set(respondents.values())))).scalars()}
        names = {rid: accounts[aid].display_name if aid in accounts else ""
                 for rid, aid in respondents.items()}
    out = io.StringIO()
    writer = csv.writer(out)
    header = [q.text for q in questions]
    writer.writerow([cell(h) for h in ([] if survey.anonymous else [respondent_header]) + header])
    for response_id in sorted(rows):
        answers = rows[response_id]
        line = [" | ".join(answers.get(q.id, [])) for q in questions]
        if not survey.anonymous:
            line.insert(0, names.get(response_id, ""))
        writer.writerow([cell(v) for v in line])
    return out.getvalue()
