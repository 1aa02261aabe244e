"""Operator commands: ``flask --app idp accounts …``."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from idp.accounts import services
from idp.accounts.models import ACTIVE
from idp.core.models import audit
from idp.extensions import db

accounts_cli = AppGroup("accounts", help="Unified accounts.")


@accounts_cli.command("create")
@click.option("--email", required=True, help="The account's e-mail address (its sign-in name).")
@click.option("--password", required=True, help="The password (checked against the policy).")
@click.option("--given-name", default=None)
@click.option("--family-name", default=None)
def create(email: str, password: str, given_name: str | None, family_name: str | None) -> None:
    """Create an active account and print it as JSON (with its ``sub``)."""
    email = services.normalize_email(email)
    if not services.is_valid_email(email):
        raise click.BadParameter("not an e-mail address", param_hint="--email")
    try:
        services.check_new_password(password, context=(email, given_name or "",
                                                        family_name or ""))
        account = services.create_account(email, password, status=ACTIVE, given_name=given_name,
                                          family_name=family_name)
    except services.PasswordRejected as exc:
        raise click.ClickException("password rejected: " + " ".join(
            exc.result.messages("en"))) from None
    except services.EmailTaken:
        raise click.ClickException(f"an account with the address {email} exists") from None
    audit("account.created", actor="cli", subject=account.sub, via="cli")
    db.session.commit()
    click.echo(json.dumps({"sub": account.sub, "email": account.email, "status": account.status,
                           "given_name": account.given_name, "family_name": account.family_name}))
