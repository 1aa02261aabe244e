"""The home page (it sends each person where they work) and the school office page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for

from gradebook_service.accounts.access import current_account, has_office, login_required
from gradebook_service.accounts.models import STAFF

bp = Blueprint("home", __name__, template_folder="templates")


@bp.get("/")
def index():
    """Send each person where they work: families and staff to their home pages."""
    account = current_account()
    if account is None:
        return redirect(url_for("accounts.login"))
    target = "staff.home" if account.role == STAFF else "family.home"
    if target in current_app.view_functions:
        return redirect(url_for(target))
    return render_template("office/home.html", account=account, office=has_office(account))


@bp.get("/office")
@login_required
def office():
    """What the school office can do here: roster, letters, hand-over, lost passwords, terms."""
    account = current_account()
    if not has_office(account):
        abort(403)
    return render_template("office/home.html", account=account, office=True)
