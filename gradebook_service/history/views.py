"""The change log for staff: every change to grades, attendance, remarks and behaviour grades."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from gradebook_service.accounts.access import (
    get_pupil_or_404,
    login_required,
    staff_class_ids_query,
    visible_pupil_ids_query,
)
from gradebook_service.history.models import ENTITIES
from gradebook_service.history.services import changes_for
from gradebook_service.web.staff import staff_account

bp = Blueprint("history", __name__, template_folder="templates")


@bp.get("/staff/history")
@login_required
def changes():
    """Latest changes about the pupils the staff member may see (``?pupil=ID``, ``?entity=``),
    and of the entries given to the classes they see or made themselves."""
    account = staff_account()
    pupil_id = request.args.get("pupil", type=int)
    classes, author = None, None
    if pupil_id is not None:
        pupil = get_pupil_or_404(pupil_id)
        scope = sa.select(sa.literal(pupil.id))
    else:
        pupil, scope = None, visible_pupil_ids_query(account)
        classes, author = staff_class_ids_query(account), account.id
    entity = request.args.get("entity")
    entity = entity if entity in ENTITIES else None
    return render_template("history/changes.html", pupil=pupil, entity=entity,
                           entities=ENTITIES,
                           rows=changes_for(account.school_id, pupil_ids_query=scope,
                                            entity=entity, class_ids_query=classes,
                                            author_id=author,
                                            every_entry=pupil is None and account.staff.is_admin))
