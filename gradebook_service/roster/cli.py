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
    if result.missing:
        click.echo(f"{len(result.missing)} pupil(s) of the school are not in the file "
                   "(kept; mark those who left in /setup/pupils):")
        for missing in result.missing:
            click.echo(f"  {missing}")


year_cli = AppGroup("year", help="The school year's life: the rollover into the next year.")


@year_cli.command("rollover")
@click.option("--to", "to_name", required=True, help="The next school year, e.g. 2027/2028.")
@click.option("--dry-run", is_flag=True, help="Show what would happen; change nothing.")
@click.option("--school", help="School id or name (default: the only school).")
@click.option("--repeat", "repeating", multiple=True, type=int,
              help="Id of a pupil who repeats the year (repeatable).")
def rollover_command(to_name: str, dry_run: bool, school: str | None,
                     repeating: tuple[int, ...]) -> None:
    """Promote the classes, graduate class 8 and open the next year, all or nothing."""
    from datetime import date

    from flask_babel import force_locale

    from gradebook_service.roster.rollover import plan_rollover, run_rollover
    from gradebook_service.school.year_setup import SetupError

    target = resolve_school(school)
    try:
        plan = plan_rollover(target.id, to_name, repeating)
        for step in plan.steps:
            where = step.new_name if not step.graduates else "graduates"
            click.echo(f"{step.old.name} -> {where}: {len(step.promoted)} pupil(s)"
                       + (f", {len(step.repeating)} repeating in {step.old.name}"
                          if step.repeating else ""))
        if dry_run:
            db.session.rollback()
            click.echo(f"dry run: {plan.old_year.name} -> {plan.dates.name} "
                       f"({plan.dates.starts_on.isoformat()} – {plan.dates.ends_on.isoformat()}); "
                       "nothing was changed")
            return
        result = run_rollover(target.id, to_name, repeating, actor="cli", today=date.today())
    except SetupError as exc:
        db.session.rollback()
        with force_locale("pl"):
            raise click.ClickException(str(exc.message)) from None
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    counts = result.counts
    click.echo(f"{result.year.name}: {counts['promoted']} promoted, {counts['repeating']} "
               f"repeating, {counts['graduating']} graduated")


@year_cli.command("expire-access")
@click.option("--school", help="School id or name (default: the only school).")
def expire_access_command(school: str | None) -> None:
    """Disable the family accounts whose grace or retention period is over (run daily)."""
    from datetime import date

    from gradebook_service.roster.enrolment import expire_family_access

    target = resolve_school(school)
    disabled = expire_family_access(target.id, date.today(), actor="cli")
    db.session.commit()
    click.echo(f"{disabled} family account(s) disabled")
