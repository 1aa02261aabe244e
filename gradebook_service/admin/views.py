"""School office pages (thin: the logic is in roster, letters and accounts services)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from gradebook_service.accounts import issued_passwords
from gradebook_service.accounts.access import (
    current_account,
    office_class_ids_query,
    office_required,
    roles_required,
)
from gradebook_service.accounts.forms import ConfirmForm
from gradebook_service.accounts.logins import LoginTaken, add_staff_member, normalise_login
from gradebook_service.accounts.lost_passwords import (
    can_report_lost_password,
    mark_reset_resolved,
    record_reset_request,
)
from gradebook_service.accounts.models import (
    PARENT,
    PUPIL,
    STAFF,
    LetterIssue,
    LetterJob,
    PasswordResetRequest,
    SchoolAccount,
)
from gradebook_service.accounts.second_factor import disable_totp
from gradebook_service.accounts.terms import current_terms, publish_terms
from gradebook_service.admin import forms
from gradebook_service.extensions import db
from gradebook_service.letters import jobs
from gradebook_service.letters.services import (
    NothingToPrint,
    Selection,
    print_reset_letter,
    print_staff_letter,
)
from gradebook_service.passkeys.services import forget_passkeys
from gradebook_service.roster.services import NoCurrentYear, RosterInvalid, import_roster
from gradebook_service.school.keys import get_owned
from gradebook_service.school.models import (
    Guardianship,
    Pupil,
    SchoolClass,
    SchoolYear,
    StaffMember,
)
from shared.collation import order_by_name
from shared.i18n import format_day

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates",
               static_folder="static", static_url_path="/static")

admin_required = roles_required(STAFF, staff_flags=("is_admin",))
office_staff_required = roles_required(STAFF, staff_flags=("is_admin", "is_secretary"))


def _school_id() -> int:
    return current_account().school_id


def _current_classes(class_ids: sa.Select | None = None) -> list[SchoolClass]:
    query = (sa.select(SchoolClass).join(SchoolYear, SchoolClass.school_year_id == SchoolYear.id)
             .where(SchoolClass.school_id == _school_id(), SchoolYear.is_current.is_(True))
             .order_by(SchoolClass.level, SchoolClass.name))
    if class_ids is not None:
        query = query.where(SchoolClass.id.in_(class_ids))
    return list(db.session.execute(query).scalars())


def _pdf_response(pdf: bytes, filename: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- classes and family logins ------------------------------------------------------------


@bp.get("/classes")
@office_required
def classes():
    """The classes whose families' logins this person manages."""
    return render_template("admin/classes.html",
                           classes=_current_classes(office_class_ids_query(current_account())))


@bp.get("/classes/<int:class_id>")
@office_required
def class_detail(class_id: int):
    """Pupils, guardians, their logins and letter status for one class."""
    account = current_account()
    school_class = get_owned(SchoolClass, account.school_id, class_id)
    allowed = set(db.session.execute(office_class_ids_query(account)).scalars())
    if school_class is None or school_class.school_id != account.school_id \
            or class_id not in allowed:
        abort(404)
    pupils = school_class.pupils
    pupil_ids = [p.id for p in pupils] or [-1]
    gs_ids = db.session.execute(sa.select(Guardianship.id).where(
        Guardianship.school_id == account.school_id,
        Guardianship.pupil_id.in_(pupil_ids))).scalars().all() or [-1]
    family_accounts = db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.school_id == account.school_id,
        sa.or_(SchoolAccount.pupil_id.in_(pupil_ids),
               SchoolAccount.guardianship_id.in_(gs_ids)))).scalars().all()
    by_pupil = {a.pupil_id: a for a in family_accounts if a.role == PUPIL}
    by_pair = {a.guardianship_id: a for a in family_accounts if a.role == PARENT}
    letters = {}
    for letter in db.session.execute(sa.select(LetterIssue).where(
            LetterIssue.school_id == account.school_id,
            LetterIssue.account_id.in_([a.id for a in family_accounts] or [-1]),
            LetterIssue.superseded_at.is_(None))).scalars():
        letters[letter.account_id] = letter
    homeroom_form = None
    if account.staff.is_admin:
        homeroom_form = forms.HomeroomForm(teacher_id=school_class.homeroom_teacher_id)
        homeroom_form.teacher_id.choices = [(m.id, m.full_name) for m, _a in
                                            _staff_rows(account.school_id) if m.is_teacher]
    return render_template("admin/class_detail.html", school_class=school_class, pupils=pupils,
                           by_pupil=by_pupil, by_pair=by_pair, letters=letters,
                           form=ConfirmForm(), is_admin=account.staff.is_admin,
                           homeroom_form=homeroom_form)


# --- roster -------------------------------------------------------------------------------


@bp.route("/roster", methods=["GET", "POST"])
@admin_required
def roster():
    """Upload the roster CSV; every problem is listed by line and nothing is half-imported."""
    form = forms.RosterForm()
    problems = result = None
    status = 200
    if form.validate_on_submit():
        try:
            result = import_roster(_school_id(), form.file.data.read(),
                                   actor=current_account().login)
        except RosterInvalid as exc:
            db.session.rollback()
            problems, status = exc.problems, 400
        except NoCurrentYear:
            db.session.rollback()
            problems = [_("The school has no current school year.")]
            status = 400
    elif request.method == "POST":
        status = 400
    return render_template("admin/roster.html", form=form, problems=problems,
                           result=result), status


# --- letters ------------------------------------------------------------------------------


@bp.route("/letters", methods=["GET", "POST"])
@admin_required
def letters():
    """Choose families and start printing their letters in the background."""
    account = current_account()
    form = forms.LettersForm()
    form.class_name.choices = [("", _("— choose —"))] + [
        (c.name, c.name) for c in _current_classes()]
    if form.validate_on_submit():
        selection = Selection(form.class_name.data or None, form.new_since.data,
                              form.pupil_id.data, form.include_active.data)
        if not (selection.class_name or selection.new_since or selection.pupil_id):
            form.class_name.errors.append(_("Choose a class, a day or a pupil."))
        else:
            if selection.pupil_id is not None:
                pupil = get_owned(Pupil, account.school_id, selection.pupil_id)
                if pupil is None or pupil.school_id != account.school_id:
                    form.pupil_id.errors.append(_("No such pupil in this school."))
            if not form.errors:
                parts = []
                if selection.class_name:
                    parts.append(_("class %(name)s", name=selection.class_name))
                if selection.new_since:
                    parts.append(_("joined since %(day)s", day=format_day(selection.new_since)))
                if selection.pupil_id:
                    parts.append(_("pupil %(id)d", id=selection.pupil_id))
                job = jobs.create_job(account.school_id, account, selection, ", ".join(parts))
                jobs.start_job(current_app._get_current_object(), job.id)
                return redirect(url_for("admin.letter_job", public_id=job.public_id), code=303)
    jobs.fail_stale_jobs(account.school_id)
    recent = db.session.execute(sa.select(LetterJob).where(
        LetterJob.school_id == account.school_id, LetterJob.created_by_id == account.id)
        .order_by(LetterJob.created_at.desc()).limit(10)).scalars().all()
    return render_template("admin/letters.html", form=form, recent=recent), (
        400 if form.errors else 200)


def _own_job(public_id: str) -> LetterJob:
    account = current_account()
    job = db.session.execute(sa.select(LetterJob).where(
        LetterJob.school_id == account.school_id, LetterJob.public_id == public_id,
        LetterJob.created_by_id == account.id)).scalar_one_or_none()
    if job is None:
        abort(404)
    return job


@bp.get("/letters/jobs/<public_id>")
@admin_required
def letter_job(public_id: str):
    """The progress page (polls the status with a static script)."""
    return render_template("admin/letter_job.html", job=_own_job(public_id), form=ConfirmForm())


@bp.get("/letters/jobs/<public_id>/status")
@admin_required
def letter_job_status(public_id: str):
    job = _own_job(public_id)
    return jsonify(status=job.status, done=job.done, total=job.total, error=job.error,
                   downloadable=job.pdf_encrypted is not None)


@bp.post("/letters/jobs/<public_id>/download")
@admin_required
def letter_job_download(public_id: str):
    """Hand out the PDF once, then erase it (it carries plaintext passwords)."""
    job = _own_job(public_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if job.status != "done" or job.pdf_encrypted is None:
        flash(_("This PDF was already downloaded or is not ready. Print again to get new "
                "passwords."), "error")
        return redirect(url_for("admin.letter_job", public_id=public_id))
    return _pdf_response(jobs.take_pdf(job), f"listy-{job.id}.pdf")


# --- hand-over of printed letters ---------------------------------------------------------


@bp.get("/handover")
@office_staff_required
def handover():
    """Letters printed and not yet handed over (the secretary records signed receipts)."""
    rows = db.session.execute(sa.select(LetterIssue).where(
        LetterIssue.school_id == _school_id(), LetterIssue.handed_over_at.is_(None),
        LetterIssue.superseded_at.is_(None)).order_by(LetterIssue.printed_at.desc())
        .limit(500)).scalars().all()
    return render_template("admin/handover.html", letters=rows, form=forms.HandoverForm())


@bp.post("/handover/<int:letter_id>")
@office_staff_required
def record_handover(letter_id: int):
    letter = get_owned(LetterIssue, _school_id(), letter_id)
    if letter is None or letter.school_id != _school_id():
        abort(404)
    form = forms.HandoverForm()
    if form.validate_on_submit() and letter.handed_over_at is None:
        issued_passwords.record_handover(letter, current_account(), form.received_by.data)
        flash(_("Hand-over of the letter for %(login)s recorded.", login=letter.account.login),
              "success")
    return redirect(url_for("admin.handover"))


# --- lost login or password ---------------------------------------------------------------


@bp.route("/reset-requests", methods=["GET", "POST"])
@office_required
def reset_requests():
    """Record a lost login/password; the administrator sees and resolves open requests."""
    account = current_account()
    form = forms.ResetRequestForm()
    status = 200
    if form.validate_on_submit():
        target = db.session.execute(sa.select(SchoolAccount).where(
            SchoolAccount.school_id == account.school_id,
            SchoolAccount.login == normalise_login(form.login.data))
        ).scalar_one_or_none()
        if target is None or not can_report_lost_password(account, target):
            form.login.errors.append(_("No account with this login that you may report."))
            status = 400
        else:
            record_reset_request(target, account, form.note.data)
            flash(_("Request recorded. The administrator will print a new password."),
                  "success")
            return redirect(url_for("admin.reset_requests"), code=303)
    elif request.method == "POST":
        status = 400
    query = sa.select(PasswordResetRequest).where(
        PasswordResetRequest.school_id == account.school_id)
    if not account.staff.is_admin:
        query = query.where(PasswordResetRequest.reported_by_id == account.id)
    rows = db.session.execute(query.order_by(PasswordResetRequest.status,
                                             PasswordResetRequest.created_at.desc())
                              .limit(200)).scalars().all()
    return render_template("admin/reset_requests.html", form=form, rows=rows,
                           confirm=ConfirmForm(), is_admin=account.staff.is_admin), status


@bp.post("/reset-requests/<int:request_id>/resolve")
@admin_required
def resolve_reset(request_id: int):
    """Generate the new password and answer with its letter (the old password ends now)."""
    admin = current_account()
    row = get_owned(PasswordResetRequest, admin.school_id, request_id)
    if row is None or row.school_id != admin.school_id:
        abort(404)
    if not ConfirmForm().validate_on_submit() or row.status != "open":
        return redirect(url_for("admin.reset_requests"))
    if request.form.get("reset_second_factor") == "y":
        # Lost phone, recovery codes or passkeys: the person enrols again after signing in.
        if row.account.totp_enabled:
            disable_totp(row.account)
        forget_passkeys(row.account, by=admin)
    try:
        result = print_reset_letter(row.account, admin)
    except NothingToPrint:
        flash(_("Staff passwords are reset by setting up the account again."), "error")
        return redirect(url_for("admin.reset_requests"))
    mark_reset_resolved(row, admin)
    return _pdf_response(result.pdf, f"nowe-haslo-{row.id}.pdf")


@bp.post("/reset-requests/<int:request_id>/cancel")
@admin_required
def cancel_reset(request_id: int):
    admin = current_account()
    row = get_owned(PasswordResetRequest, admin.school_id, request_id)
    if row is None or row.school_id != admin.school_id:
        abort(404)
    if ConfirmForm().validate_on_submit() and row.status == "open":
        row.status = "cancelled"
        row.resolved_by_id = admin.id
        from gradebook_service.core.models import audit

        audit("reset.cancelled", actor=admin.login, subject=row.account.login,
              request_id=row.id)
    return redirect(url_for("admin.reset_requests"))


# --- terms of use -------------------------------------------------------------------------


@bp.route("/terms", methods=["GET", "POST"])
@admin_required
def terms():
    """Publish a new version of the terms: everyone accepts it again at their next visit."""
    account = current_account()
    current = current_terms(account.school_id)
    form = forms.TermsForm(body=current.body) if request.method == "GET" else forms.TermsForm()
    if form.validate_on_submit():
        new = publish_terms(account.school_id, form.body.data, account)
        flash(_("Version %(version)d published.", version=new.version), "success")
        return redirect(url_for("admin.terms"), code=303)
    return render_template("admin/terms.html", form=form, current=current), (
        400 if form.errors else 200)


# --- staff --------------------------------------------------------------------------------


def _staff_rows(school_id: int):
    return db.session.execute(
        sa.select(StaffMember, SchoolAccount)
        .join(SchoolAccount, SchoolAccount.staff_id == StaffMember.id)
        .where(StaffMember.school_id == school_id, SchoolAccount.school_id == school_id)
        .order_by(*order_by_name(StaffMember.last_name, StaffMember.first_name))).all()


@bp.route("/staff", methods=["GET", "POST"])
@admin_required
def staff():
    """Staff members and their logins; adding one answers with their letter (PDF)."""
    admin = current_account()
    form = forms.StaffForm()
    status = 200
    if form.validate_on_submit():
        if not (form.is_teacher.data or form.is_secretary.data or form.is_admin.data):
            form.is_teacher.errors.append(_("Choose at least one role."))
        else:
            try:
                account = add_staff_member(
                    admin.school_id, first_name=form.first_name.data,
                    last_name=form.last_name.data, login=form.login.data,
                    email=form.email.data, is_teacher=form.is_teacher.data,
                    is_secretary=form.is_secretary.data, is_admin=form.is_admin.data, by=admin)
            except LoginTaken:
                form.login.errors.append(_("This login is taken."))
            else:
                result = print_staff_letter(account, admin)
                return _pdf_response(result.pdf, f"konto-{account.login}.pdf")
        status = 400
    elif request.method == "POST":
        status = 400
    led = {}
    for c in _current_classes():
        if c.homeroom_teacher_id:
            led.setdefault(c.homeroom_teacher_id, []).append(c.name)
    return render_template("admin/staff.html", form=form, rows=_staff_rows(admin.school_id),
                           led=led, confirm=ConfirmForm()), status


@bp.post("/staff/<int:account_id>/letter")
@admin_required
def staff_letter(account_id: int):
    """A new password for a staff member, printed (the old one stops working at once)."""
    admin = current_account()
    account = get_owned(SchoolAccount, admin.school_id, account_id)
    if account is None or account.school_id != admin.school_id or account.role != STAFF:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    result = print_staff_letter(account, admin, kind="reset" if account.password_hash else
                                "welcome")
    return _pdf_response(result.pdf, f"konto-{account.login}.pdf")


@bp.post("/classes/<int:class_id>/homeroom")
@admin_required
def set_homeroom(class_id: int):
    """Name the homeroom teacher (wychowawca) of a class."""
    admin = current_account()
    school_class = get_owned(SchoolClass, admin.school_id, class_id)
    if school_class is None or school_class.school_id != admin.school_id:
        abort(404)
    form = forms.HomeroomForm()
    form.teacher_id.choices = [(m.id, m.full_name) for m, _a in _staff_rows(admin.school_id)
                               if m.is_teacher]
    if form.validate_on_submit():
        school_class.homeroom_teacher_id = form.teacher_id.data
        from gradebook_service.core.models import audit

        audit("class.homeroom_set", actor=admin.login, subject=school_class.name,
              staff_id=form.teacher_id.data)
        flash(_("Homeroom teacher saved."), "success")
    return redirect(url_for("admin.class_detail", class_id=class_id))
