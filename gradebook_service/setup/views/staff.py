"""Staff: roles, deactivation (a person who left cannot sign in; their history stays)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from gradebook_service.accounts.forms import ConfirmForm
from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.accounts.staff_status import (
    StaffStatusError,
    deactivate,
    reactivate,
    set_roles,
    staff_account_of,
    staff_with_accounts,
)
from gradebook_service.setup import forms
from gradebook_service.setup.changes import record_setup
from gradebook_service.setup.context import admin, admin_required, found_or_404
from gradebook_service.setup.views.blueprint import bp


def _render(role_errors: dict | None = None, status: int = 200):
    rows = staff_with_accounts(admin().school_id)
    role_forms = {m.id: forms.RolesForm(prefix=f"s{m.id}", formdata=None, is_teacher=m.is_teacher,
                                        is_secretary=m.is_secretary, is_admin=m.is_admin)
                  for m, _a in rows}
    return render_template("setup/staff.html", rows=rows, role_forms=role_forms,
                           role_errors=role_errors or {}, confirm=ConfirmForm()), status


@bp.get("/staff")
@admin_required
def staff():
    """Every staff member with their roles; add people on the staff logins page."""
    return _render()


def _account_or_404(staff_id: int) -> SchoolAccount:
    return found_or_404(staff_account_of(admin().school_id, staff_id))


@bp.post("/staff/<int:staff_id>/roles")
@admin_required
def staff_roles(staff_id: int):
    """Change a staff member's roles."""
    account = _account_or_404(staff_id)
    form = forms.RolesForm(prefix=f"s{staff_id}")
    if form.validate_on_submit():
        try:
            old, new = set_roles(account, teacher=form.is_teacher.data,
                                 secretary=form.is_secretary.data, admin=form.is_admin.data,
                                 by=admin())
        except StaffStatusError as exc:
            return _render({staff_id: exc.message}, 422)
        record_setup(admin(), "staff_member", staff_id, "update", old, new)
        flash(_("Roles of %(name)s saved.", name=account.staff.full_name), "success")
    return redirect(url_for("setup.staff"))


@bp.post("/staff/<int:staff_id>/deactivate")
@admin_required
def staff_deactivate(staff_id: int):
    """Deactivate a staff member: no sign-in from now on, open sessions end."""
    account = _account_or_404(staff_id)
    if ConfirmForm().validate_on_submit():
        try:
            old, new = deactivate(account, by=admin())
        except StaffStatusError as exc:
            return _render({staff_id: exc.message}, 422)
        record_setup(admin(), "staff_member", staff_id, "update", old, new)
        flash(_("%(name)s can no longer sign in. Their entries in the register stay.",
                name=account.staff.full_name), "success")
    return redirect(url_for("setup.staff"))


@bp.post("/staff/<int:staff_id>/reactivate")
@admin_required
def staff_reactivate(staff_id: int):
    """Let a returning staff member sign in again, with a newly printed letter."""
    account = _account_or_404(staff_id)
    if ConfirmForm().validate_on_submit():
        try:
            old, new = reactivate(account, by=admin())
        except StaffStatusError as exc:
            return _render({staff_id: exc.message}, 422)
        record_setup(admin(), "staff_member", staff_id, "update", old, new)
        flash(_("%(name)s is active again: print a new letter on the staff logins page.",
                name=account.staff.full_name), "success")
    return redirect(url_for("setup.staff"))
