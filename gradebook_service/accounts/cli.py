"""``flask --app gradebook_service accounts …``: staff accounts and their letters."""

from __future__ import annotations

import os

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from gradebook_service.extensions import db

accounts_cli = AppGroup("accounts", help="School accounts of staff members.")


def _write(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


@accounts_cli.command("add-staff")
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--login", required=True, help="The staff login, e.g. jan.kowalski.")
@click.option("--email")
@click.option("--teacher", is_flag=True)
@click.option("--secretary", is_flag=True)
@click.option("--admin", is_flag=True)
@click.option("--school", help="School id or name (default: the only school).")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="Where to write the letter with the first password (PDF).")
def add_staff(first_name, last_name, login, email, teacher, secretary, admin, school, out):
    """Create a staff member's account and print its letter (first password)."""
    from gradebook_service.accounts.logins import LoginTaken, add_staff_member
    from gradebook_service.letters.services import print_staff_letter
    from gradebook_service.roster.cli import resolve_school

    if not (teacher or secretary or admin):
        raise click.UsageError("give at least one of --teacher, --secretary, --admin")
    target = resolve_school(school)
    try:
        account = add_staff_member(target.id, first_name=first_name, last_name=last_name,
                                   login=login, email=email, is_teacher=teacher,
                                   is_secretary=secretary, is_admin=admin)
    except LoginTaken:
        raise click.ClickException(f"login {login} is taken") from None
    member = account.staff
    result = print_staff_letter(account, None)
    _write(out, result.pdf)
    db.session.commit()
    click.echo(f"{member.full_name}: login {account.login}, letter written to {out}")


@accounts_cli.command("staff-letter")
@click.argument("login")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
def staff_letter(login, out):
    """Issue a new password for a staff login and print its letter."""
    from gradebook_service.accounts.models import STAFF, SchoolAccount
    from gradebook_service.accounts.services import normalise_login
    from gradebook_service.letters.services import print_staff_letter

    account = db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.login == normalise_login(login), SchoolAccount.role == STAFF)
    ).scalar_one_or_none()
    if account is None:
        raise click.ClickException(f"no staff login {login}")
    result = print_staff_letter(account, None, kind="reset")
    _write(out, result.pdf)
    db.session.commit()
    click.echo(f"new password for {account.login} written to {out}")
