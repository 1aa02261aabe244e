"""``flask --app gradebook_service letters print --class 1a --out FILE.pdf``."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import AppGroup

from gradebook_service.extensions import db

letters_cli = AppGroup("letters", help="Print welcome letters (this sets new passwords).")


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
    import os

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
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(result.pdf)
    db.session.commit()
    click.echo(f"{result.pages} letters ({result.accounts} accounts) written to {out} "
               f"on {date.today().isoformat()}")
