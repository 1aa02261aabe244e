"""``flask --app gradebook_service school create|list`` (docs/architecture.md 5.1)."""

from __future__ import annotations

import json
from datetime import date

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import force_locale

from gradebook_service.extensions import db
from gradebook_service.school.models import School, SchoolYear
from gradebook_service.school.year_setup import SetupError, create_school

school_cli = AppGroup("school", help="Create and list schools.")


def _fail(message) -> None:
    """Stop with one line in Polish (the operator's language) and exit 1."""
    db.session.rollback()
    with force_locale("pl"):
        raise click.ClickException(str(message))


@school_cli.command("create")
@click.option("--name", required=True, help="Full name, e.g. Szkoła Podstawowa nr 5 w Żorach.")
@click.option("--short-name", required=True, help="Short name, e.g. SP5 Żory.")
@click.option("--address", help="Street, postcode and town.")
@click.option("--year", "year_name", help="School year like 2026/2027 (default: today's).")
@click.option("--term2-start", help="First day of term 2, YYYY-MM-DD (default: first Monday "
                                    "of February).")
def create_command(name: str, short_name: str, address: str | None, year_name: str | None,
                   term2_start: str | None) -> None:
    """Create a school with its current school year, two terms and the statutory free days."""
    boundary = None
    if term2_start:
        try:
            boundary = date.fromisoformat(term2_start)
        except ValueError:
            _fail(f"--term2-start {term2_start!r} is not a date like 2027-02-01")
    try:
        school, year = create_school(name, short_name, address=address, year_name=year_name,
                                     term2_starts_on=boundary)
    except SetupError as exc:
        _fail(exc.message)
    db.session.commit()
    click.echo(json.dumps({"id": school.id, "name": school.name, "year": year.name},
                          ensure_ascii=False))


@school_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON list instead of lines.")
def list_command(as_json: bool) -> None:
    """Name the schools with their current school year."""
    rows = db.session.execute(
        sa.select(School.id, School.name, School.short_name, SchoolYear.name)
        .outerjoin(SchoolYear, sa.and_(SchoolYear.school_id == School.id,
                                       SchoolYear.is_current.is_(True)))
        .order_by(School.id)).all()
    if as_json:
        click.echo(json.dumps([{"id": i, "name": n, "short_name": s, "year": y}
                               for i, n, s, y in rows], ensure_ascii=False))
        return
    if not rows:
        click.echo("no schools yet: flask --app gradebook_service school create --name … "
                   "--short-name …")
    for school_id, name, short, year in rows:
        click.echo(f"{school_id}\t{name}\t{short}\t{year or '-'}")
