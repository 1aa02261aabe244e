"""Ankiety: the family's list and answer form; the staff's new-survey form, results and CSV."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.access import login_required
from gradebook_service.surveys import services
from gradebook_service.surveys.charts import bar_chart
from gradebook_service.surveys.export import results_csv
from gradebook_service.surveys.models import AUDIENCES, CLASS, QUESTION_KINDS
from gradebook_service.web import dates
from gradebook_service.web.family import family_context
from gradebook_service.web.staff import staff_account, visible_class_or_404, visible_classes

bp = Blueprint("surveys", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/surveys")

#: Blank question slots on the new-survey form; "More questions" adds this many again.
QUESTION_SLOTS = 5


@bp.get("/family/surveys")
@login_required
def family_list():
    """Surveys addressed to this family account: open ones to answer, closed ones listed."""
    ctx = family_context()
    return render_template("surveys/family_list.html", ctx=ctx, active="surveys",
                           items=services.family_surveys(ctx.account, ctx.pupil.class_id,
                                                         ctx.today))


@bp.route("/family/surveys/<int:survey_id>", methods=["GET", "POST"])
@login_required
def answer(survey_id: int):
    """Answer a survey once; a second answer, a closed survey or another audience's is refused."""
    ctx = family_context()
    survey = services.survey_for_family_or_none(ctx.account, ctx.pupil.class_id, survey_id,
                                                ctx.today)
    if survey is None:
        abort(404)
    errors: list = []
    if request.method == "POST":
        try:
            services.submit(ctx.account, survey, request.form.to_dict(flat=False), ctx.today)
        except services.SurveyError as exc:
            errors = exc.messages
        else:
            flash(_("Thank you, your answers have been saved."), "success")
            return redirect(url_for("surveys.family_list"), code=303)
    return render_template("surveys/answer.html", ctx=ctx, active="surveys", survey=survey,
                           questions=services.survey_questions(survey), errors=errors,
                           form=request.form, answered=services.has_answered(ctx.account, survey),
                           open=services.is_open(survey, ctx.today)), (422 if errors else 200)


@bp.get("/staff/surveys")
@login_required
def staff_list():
    """The staff member's surveys (all the school's for the office) with their answer counts."""
    account = staff_account()
    return render_template("surveys/staff_list.html", items=services.staff_surveys(account),
                           today=dates.today())


def _drafts(form) -> list[services.QuestionDraft]:
    count = min(form.get("slots", QUESTION_SLOTS, type=int), services.MAX_QUESTIONS)
    return [services.QuestionDraft(kind=form.get(f"kind-{n}", ""), text=form.get(f"text-{n}", ""),
                                   options=form.get(f"options-{n}", "").splitlines(),
                                   required=form.get(f"required-{n}") == "1")
            for n in range(1, count + 1)]


@bp.route("/staff/surveys/new", methods=["GET", "POST"])
@login_required
def new():
    """Create a survey: questions, anonymity, audience and dates."""
    account = staff_account()
    classes = visible_classes(account)
    slots = QUESTION_SLOTS
    errors: list = []
    if request.method == "POST":
        slots = min(request.form.get("slots", QUESTION_SLOTS, type=int), services.MAX_QUESTIONS)
        if request.form.get("action") == "more":
            slots = min(slots + QUESTION_SLOTS, services.MAX_QUESTIONS)
        else:
            audience = request.form.get("audience", "")
            class_id = request.form.get("class_id", type=int) if audience == CLASS else None
            if class_id is not None:
                visible_class_or_404(account, class_id)
            try:
                survey = services.create_survey(
                    account, title=request.form.get("title", ""),
                    description=request.form.get("description", ""),
                    anonymous=request.form.get("anonymous") == "1", audience=audience,
                    class_id=class_id, opens_on=_date(request.form.get("opens_on")),
                    closes_on=_date(request.form.get("closes_on")),
                    questions=_drafts(request.form))
            except services.SurveyError as exc:
                errors = exc.messages
            else:
                flash(_("Survey created."), "success")
                return redirect(url_for("surveys.results", survey_id=survey.id), code=303)
    return render_template("surveys/new.html", classes=classes, errors=errors, form=request.form,
                           audiences=[a for a in AUDIENCES if services.may_create_for(account, a)],
                           kinds=QUESTION_KINDS, slots=slots, today=dates.today()
                           ), (422 if errors else 200)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


@bp.get("/staff/surveys/<int:survey_id>")
@login_required
def results(survey_id: int):
    """The summary: answer counts with bar charts and the free-text answers."""
    account = staff_account()
    survey = services.staff_survey_or_none(account, survey_id)
    if survey is None:
        abort(404)
    summary = services.results(survey, dates.today())
    charts = {r.question.id: bar_chart([(o.text, n) for o, n in r.counts], summary.responses)
              for r in summary.questions if r.counts}
    return render_template("surveys/results.html", survey=survey, summary=summary, charts=charts,
                           min_responses=services.ANONYMOUS_MIN_RESPONSES)


@bp.get("/staff/surveys/<int:survey_id>/results.csv")
@login_required
def results_export(survey_id: int):
    """The responses as CSV (no names for an anonymous survey; hidden while its results are)."""
    account = staff_account()
    survey = services.staff_survey_or_none(account, survey_id)
    if survey is None:
        abort(404)
    if not services.results(survey, dates.today()).visible:
        abort(404)
    body = "\ufeff" + results_csv(survey, _("Respondent"))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="survey-{survey.id}.csv"',
        "Cache-Control": "no-store"})
