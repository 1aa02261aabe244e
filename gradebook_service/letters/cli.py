"""The commands that print letters, and so set passwords: for families and for staff.

``letters print --class 1a --out FILE.pdf``; ``accounts add-staff|staff-letter`` (a staff
login starts with its letter, so these commands live beside the letters they print).
"""

from __future__ import annotations

import os
import sys
from datetime import date

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from gradebook_service.extensions import db

letters_cli = AppGroup("letters", help="Print welcome letters (this sets new passwords).")
accounts_cli = AppGroup("accounts", help="School accounts of staff members.")


def _write(path: str, data: bytes) -> None:
    """Write a letter readable by its owner only: it holds first passwords."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


@letters_cli.command("print")
@click.option("--class", "class_name", help="Every family of a class, e.g. 1a.")
@click.option("--new-since", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Families of pupils who joined on or after this day (YYYY-MM-DD).")
@click.option("--pupil", "pupil_id", type=int, help="One pupil's family (pupil id).")
@click.option("--include-active", is_flag=True,
              help="Also accounts whose owners already chose a password (resets them).")
@click.option("--school", help="School id or name (default: the only school).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Where to write the PDF.")
def print_command(class_name, new_since, pupil_id, include_active, school, out) -> None:
    """Issue fresh passwords and write the letters to a PDF (one page per pupil–guardian pair)."""
    from gradebook_service.letters.services import (
        NothingToPrint,
        Selection,
        UnknownClass,
        print_letters,
    )
    from gradebook_service.roster.cli import resolve_school

    if not (class_name or new_since or pupil_id):
        raise click.UsageError("choose --class, --new-since or --pupil")
    target = resolve_school(school)
    selection = Selection(class_name, new_since.date() if new_since else None, pupil_id,
                          include_active)
    bar = None
    state = {"done": 0}

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="Printing letters", file=sys.stderr)
            bar.__enter__()
        bar.update(done - state["done"])
        state["done"] = done

    try:
        result = print_letters(target.id, selection, None, progress=progress)
    except UnknownClass as exc:
        db.session.rollback()
        raise click.ClickException(f"no class {exc} in the current school year") from None
    except NothingToPrint:
        db.session.rollback()
        raise click.ClickException("no account in this selection needs a letter "
                                   "(use --include-active to reprint)") from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    # Write the file before committing: if it cannot be written, no password changes.
    _write(out, result.pdf)
    db.session.commit()
    click.echo(f"{result.pages} letters ({result.accounts} accounts) written to {out} "
               f"on {date.today().isoformat()}")


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
    from gradebook_service.accounts.logins import normalise_login
    from gradebook_service.accounts.models import STAFF, SchoolAccount
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
