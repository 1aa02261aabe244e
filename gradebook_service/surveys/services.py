"""Create surveys, list those a person may answer, take an answer once, count the results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from gradebook_service.accounts.models import PARENT, PUPIL, SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.surveys.models import (
    AUDIENCES,
    CLASS,
    PARENTS,
    PUPILS,
    QUESTION_KINDS,
    SCHOOL,
    SINGLE,
    TEXT,
    Survey,
    SurveyAnswer,
    SurveyAnswered,
    SurveyOption,
    SurveyQuestion,
    SurveyResponse,
)

#: An anonymous survey's results wait for this many answers: fewer would point at people.
ANONYMOUS_MIN_RESPONSES = 3
MAX_QUESTIONS = 30
MAX_OPTIONS = 20
MAX_TEXT_ANSWER = 4000


class SurveyError(Exception):
    """A survey or an answer cannot be accepted; ``messages`` say why, one per problem."""

    def __init__(self, messages) -> None:
        super().__init__("; ".join(str(m) for m in messages))
        self.messages = list(messages)


@dataclass
class QuestionDraft:
    """A question as typed into the form: kind, text and one option per line."""

    kind: str
    text: str
    options: list[str] = field(default_factory=list)
    required: bool = True


def may_create_for(account: SchoolAccount, audience: str) -> bool:
    """Teachers ask their classes; the whole school, all parents or all pupils need the office."""
    if account.staff is None:
        return False
    return audience == CLASS or account.staff.is_admin or account.staff.is_secretary


def create_survey(account: SchoolAccount, *, title: str, description: str, anonymous: bool,
                  audience: str, class_id: int | None, opens_on: date | None,
                  closes_on: date | None, questions: list[QuestionDraft]) -> Survey:
    """Create a survey from the form, or raise :class:`SurveyError` naming every problem."""
    problems = []
    if not (title or "").strip():
        problems.append(_l("Give the survey a title."))
    if audience not in AUDIENCES:
        problems.append(_l("Choose who the survey is for."))
    elif not may_create_for(account, audience):
        problems.append(_l("Only the school office may ask the whole school, all parents or "
                           "all pupils; choose one of your classes."))
    if audience == CLASS and class_id is None:
        problems.append(_l("Choose the class."))
    if opens_on is None or closes_on is None:
        problems.append(_l("Give the opening and closing dates."))
    elif closes_on < opens_on:
        problems.append(_l("The survey cannot close before it opens."))
    kept = [q for q in questions if (q.text or "").strip()]
    if not kept:
        problems.append(_l("Add at least one question."))
    if len(kept) > MAX_QUESTIONS:
        problems.append(_l("A survey has at most %(n)s questions.", n=MAX_QUESTIONS))
    for number, draft in enumerate(kept, start=1):
        options = [o.strip() for o in draft.options if o.strip()]
        if draft.kind not in QUESTION_KINDS:
            problems.append(_l("Question %(n)s: choose its type.", n=number))
        elif draft.kind != TEXT and len(options) < 2:
            problems.append(_l("Question %(n)s: give at least two answers to choose from, "
                               "one per line.", n=number))
        elif len(options) > MAX_OPTIONS:
            problems.append(_l("Question %(n)s: at most %(m)s answers to choose from.",
                               n=number, m=MAX_OPTIONS))
    if problems:
        raise SurveyError(problems)
    survey = Survey(school_id=account.school_id, author_id=account.staff_id,
                    title=title.strip()[:200], description=(description or "").strip()[:5000],
                    anonymous=anonymous, audience=audience,
                    class_id=class_id if audience == CLASS else None,
                    opens_on=opens_on, closes_on=closes_on)
    db.session.add(survey)
    db.session.flush()
    for position, draft in enumerate(kept, start=1):
        question = SurveyQuestion(school_id=account.school_id, survey_id=survey.id,
                                  position=position, kind=draft.kind,
                                  text=draft.text.strip()[:500], required=draft.required)
        db.session.add(question)
        db.session.flush()
        if draft.kind != TEXT:
            for number, text in enumerate([o.strip() for o in draft.options if o.strip()], 1):
                db.session.add(SurveyOption(school_id=account.school_id,
                                            question_id=question.id, position=number,
                                            text=text[:300]))
    db.session.flush()
    return survey


def audience_condition(account: SchoolAccount, class_id: int | None):
    """The SQL condition for surveys addressed to a family account of a pupil in ``class_id``."""
    conditions = [Survey.audience == SCHOOL,
                  sa.and_(Survey.audience == CLASS, Survey.class_id == class_id)]
    if account.role == PARENT:
        conditions.append(Survey.audience == PARENTS)
    elif account.role == PUPIL:
        conditions.append(Survey.audience == PUPILS)
    else:
        return sa.false()
    return sa.or_(*conditions)


def family_surveys(account: SchoolAccount, class_id: int, today: date
                   ) -> list[tuple[Survey, bool]]:
    """Open and recently closed surveys for the family account, with "already answered" (one query)."""
    answered = sa.exists().where(SurveyAnswered.school_id == account.school_id,
                                 SurveyAnswered.survey_id == Survey.id,
                                 SurveyAnswered.account_id == account.id)
    return [tuple(r) for r in db.session.execute(
        sa.select(Survey, answered)
        .where(Survey.school_id == account.school_id, Survey.opens_on <= today,
               audience_condition(account, class_id))
        .order_by(Survey.closes_on.desc(), Survey.id.desc()).limit(100))]


def survey_for_family_or_none(account: SchoolAccount, class_id: int, survey_id: int,
                              today: date) -> Survey | None:
    """The survey if it is addressed to this family account and already open."""
    return db.session.execute(sa.select(Survey).where(
        Survey.school_id == account.school_id, Survey.id == survey_id, Survey.opens_on <= today,
        audience_condition(account, class_id))).scalar_one_or_none()


def survey_questions(survey: Survey) -> list[SurveyQuestion]:
    """The survey's questions with their options (two queries)."""
    return list(db.session.execute(
        sa.select(SurveyQuestion).options(selectinload(SurveyQuestion.options))
        .where(SurveyQuestion.school_id == survey.school_id,
               SurveyQuestion.survey_id == survey.id)
        .order_by(SurveyQuestion.position)).scalars())


def has_answered(account: SchoolAccount, survey: Survey) -> bool:
    return db.session.get(SurveyAnswered, (account.school_id, survey.id, account.id)) is not None


def is_open(survey: Survey, today: date) -> bool:
    return survey.opens_on <= today <= survey.closes_on


def submit(account: SchoolAccount, survey: Survey, form: dict[str, list[str]], today: date
           ) -> None:
    """Take the account's one answer to ``survey`` from ``form`` (``q-<id>`` fields).

    The "answered" mark and the response are written in one transaction; for an
    anonymous survey the response carries no account and no time. A second answer
    raises :class:`SurveyError` (and the mark's primary key stops a race).
    """
    if not is_open(survey, today):
        raise SurveyError([_l("This survey is closed.")])
    if has_answered(account, survey):
        raise SurveyError([_l("You have already answered this survey.")])
    chosen: list[tuple[SurveyQuestion, int | None, str | None]] = []
    problems = []
    for question in survey_questions(survey):
        values = [v for v in form.get(f"q-{question.id}", []) if v.strip()]
        if question.kind == TEXT:
            text = values[0].strip() if values else ""
            if len(text) > MAX_TEXT_ANSWER:
                problems.append(_l("“%(q)s”: the answer is too long (at most %(n)s characters).",
                                   q=question.text, n=MAX_TEXT_ANSWER))
            elif text:
                chosen.append((question, None, text))
            elif question.required:
                problems.append(_l("“%(q)s”: please answer.", q=question.text))
            continue
        valid = {str(o.id): o.id for o in question.options}
        picked = []
        for value in values:
            if value not in valid:
                problems.append(_l("“%(q)s”: choose from the answers given.", q=question.text))
                break
            if valid[value] not in picked:
                picked.append(valid[value])
        if question.kind == SINGLE and len(picked) > 1:
            problems.append(_l("“%(q)s”: choose one answer.", q=question.text))
        elif not picked and question.required:
            problems.append(_l("“%(q)s”: please choose an answer.", q=question.text))
        chosen.extend((question, option_id, None) for option_id in picked)
    if problems:
        raise SurveyError(problems)
    db.session.add(SurveyAnswered(school_id=account.school_id, survey_id=survey.id,
                                  account_id=account.id))
    response = SurveyResponse(school_id=account.school_id, survey_id=survey.id,
                              respondent_id=None if survey.anonymous else account.id)
    db.session.add(response)
    db.session.flush()
    for question, option_id, text in chosen:
        db.session.add(SurveyAnswer(school_id=account.school_id, response_id=response.id,
                                    question_id=question.id, option_id=option_id, text=text))
    db.session.flush()


# --- staff side -------------------------------------------------------------------------------

def staff_surveys(account: SchoolAccount) -> list[tuple[Survey, int]]:
    """Surveys the staff member may see the results of, with their answer counts (one query)."""
    answered = (sa.select(sa.func.count()).select_from(SurveyAnswered)
                .where(SurveyAnswered.school_id == Survey.school_id,
                       SurveyAnswered.survey_id == Survey.id).scalar_subquery())
    query = sa.select(Survey, answered).where(Survey.school_id == account.school_id)
    if not (account.staff.is_admin or account.staff.is_secretary):
        query = query.where(Survey.author_id == account.staff_id)
    return [tuple(r) for r in db.session.execute(
        query.order_by(Survey.closes_on.desc(), Survey.id.desc()).limit(200))]


def staff_survey_or_none(account: SchoolAccount, survey_id: int) -> Survey | None:
    """A survey whose results the staff member may see: the author's own, or any for the office."""
    query = sa.select(Survey).where(Survey.school_id == account.school_id, Survey.id == survey_id)
    if not (account.staff.is_admin or account.staff.is_secretary):
        query = query.where(Survey.author_id == account.staff_id)
    return db.session.execute(query).scalar_one_or_none()


@dataclass
class QuestionResult:
    question: SurveyQuestion
    #: (option, count) in the question's order; empty for free text.
    counts: list[tuple[SurveyOption, int]]
    #: How many responses answered this question at all.
    answered: int
    #: Free-text answers, in no particular order (sorted, so the order does not follow time).
    texts: list[str]


@dataclass
class SurveyResults:
    survey: Survey
    responses: int
    #: False while an anonymous survey is open or has too few answers to hide who said what.
    visible: bool
    questions: list[QuestionResult]


def results(survey: Survey, today: date) -> SurveyResults:
    """Count the answers per option (a fixed number of queries, however many answers)."""
    responses = db.session.execute(sa.select(sa.func.count()).select_from(SurveyResponse).where(
        SurveyResponse.school_id == survey.school_id,
        SurveyResponse.survey_id == survey.id)).scalar_one()
    visible = not survey.anonymous or (
        survey.closes_on < today and responses >= ANONYMOUS_MIN_RESPONSES)
    if not visible:
        return SurveyResults(survey, responses, False, [])
    questions = survey_questions(survey)
    question_ids = [q.id for q in questions]
    option_counts = dict(db.session.execute(
        sa.select(SurveyAnswer.option_id, sa.func.count())
        .where(SurveyAnswer.school_id == survey.school_id,
               SurveyAnswer.question_id.in_(question_ids), SurveyAnswer.option_id.is_not(None))
        .group_by(SurveyAnswer.option_id)).all())
    per_question: dict[int, set[str]] = {}
    texts: dict[int, list[str]] = {}
    for question_id, response_id, text in db.session.execute(
            sa.select(SurveyAnswer.question_id, SurveyAnswer.response_id, SurveyAnswer.text)
            .where(SurveyAnswer.school_id == survey.school_id,
                   SurveyAnswer.question_id.in_(question_ids))):
        per_question.setdefault(question_id, set()).add(response_id)
        if text is not None:
            texts.setdefault(question_id, []).append(text)
    return SurveyResults(survey, responses, True, [
        QuestionResult(q, [(o, option_counts.get(o.id, 0)) for o in q.options],
                       len(per_question.get(q.id, ())), sorted(texts.get(q.id, [])))
        for q in questions])
