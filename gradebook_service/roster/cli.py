"""``flask --app gradebook_service roster import FILE``."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from gradebook_service.extensions import db
from gradebook_service.school.models import School

roster_cli = AppGroup("roster", help="Import classes, pupils and guardians.")


def resolve_school(value: str | None) -> School:
    """The school named by id or name, or the only school of the deployment."""
    if value:
        query = sa.select(School).where(
            School.id == int(value) if value.isdigit() else School.name == value)
        school = db.session.execute(query).scalar_one_or_none()
        if school is None:
            raise click.UsageError(f"no school {value!r}")
        return school
    schools = db.session.execute(sa.select(School).limit(2)).scalars().all()
    if len(schools) != 1:
        raise click.UsageError(
            "no school exists: create it with `school create --name … --short-name …`"
            if not schools else "several schools exist: give --school (id or name; "
                                "see `school list`)")
    return schools[0]


@roster_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--school", help="School id or name (default: the only school).")
def import_command(file, school: str | None) -> None:
    """Import a roster CSV (one row per pupil–guardian pair); all rows or none."""
    from gradebook_service.roster.services import NoCurrentYear, RosterInvalid, import_roster

    target = resolve_school(school)
    try:
        result = import_roster(target.id, file.read(), actor="cli")
    except RosterInvalid as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(f"line {problem.line}: {problem.message}", err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s); nothing was imported") \
            from None
    except NoCurrentYear:
        db.session.rollback()
        raise click.ClickException("the school has no current school year") from None
    db.session.commit()
    click.echo(f"{result.rows} rows: {result.classes_created} classes, "
               f"{result.pupils_created} pupils ({result.pupils_moved} moved), "
               f"{result.guardians_created} guardians, {result.guardianships_created} "
               f"pupil–guardian pairs, {result.accounts_created} accounts created"
               + ("" if result.changed else " — nothing changed"))
