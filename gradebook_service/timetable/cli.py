"""``flask --app gradebook_service timetable import FILE`` (docs/timetable-import.md)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from gradebook_service.extensions import db
from gradebook_service.roster.cli import resolve_school
from gradebook_service.school.models import SchoolYear

timetable_cli = AppGroup("timetable", help="The weekly timetable.")


@timetable_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--school", help="School id or name (default: the only school).")
def import_command(file, school: str | None) -> None:
    """Import a weekly timetable CSV; every line or none (problems listed by line)."""
    from gradebook_service.timetable.importing import TimetableInvalid, import_timetable

    target = resolve_school(school)
    year = db.session.execute(sa.select(SchoolYear).where(
        SchoolYear.school_id == target.id, SchoolYear.is_current.is_(True))).scalar_one_or_none()
    if year is None:
        raise click.ClickException("the school has no current school year")
    # The problems are sentences for people: in English on the command line, like its output.
    try:
        with current_app.test_request_context(), force_locale("en"):
            result = import_timetable(target.id, year, file.read())
    except TimetableInvalid as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(f"line {problem.line}: {problem.message}", err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s); nothing was imported") \
            from None
    db.session.commit()
    click.echo(f"{result.rows} lessons for {', '.join(result.classes)}: {result.removed} "
               f"earlier lessons replaced, {result.assignments_created} teaching assignments "
               "added")
