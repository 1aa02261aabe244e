"""Operator commands: ``flask --app idp clients …`` and ``flask --app idp keys …``."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from idp.extensions import db
from idp.oidc.clients import ClientError, client_as_dict, delete_client, list_clients, save_client
from idp.oidc.constants import ALGORITHMS, DEFAULT_ALG, SUPPORTED_GRANT_TYPES
from idp.oidc.keys import list_keys, retire_expired_keys, rotate_keys
from idp.oidc.services import prune_expired
from shared.settings import require_real_secret

clients_cli = AppGroup("clients", help="Manage OAuth / OpenID Connect clients.")
keys_cli = AppGroup("keys", help="Manage the token signing keys.")


@clients_cli.command("create")
@click.option("--name", required=True, help="Name shown to users on the consent page.")
@click.option("--redirect-uri", "redirect_uris", multiple=True,
              help="Registered redirect URI (exact match); repeatable.")
@click.option("--post-logout-redirect-uri", "post_logout", multiple=True,
              help="Registered post-logout redirect URI; repeatable.")
@click.option("--public", is_flag=True, help="Public client (no secret, PKCE required).")
@click.option("--first-party", is_flag=True, help="Our own app: no consent screen.")
@click.option("--scope", default=None,
              help="Allowed scopes, space separated (default: openid profile email school "
                   "offline_access).")
@click.option("--grant-type", "grant_types", multiple=True,
              type=click.Choice(SUPPORTED_GRANT_TYPES),
              help="Allowed grant type; repeatable (default: authorization_code, refresh_token).")
@click.option("--client-id", default=None, help="Use this client id (default: random).")
@click.option("--id-token-alg", type=click.Choice(ALGORITHMS), default=DEFAULT_ALG,
              show_default=True, help="Algorithm of this client's ID tokens.")
@click.option("--rotate-secret", is_flag=True,
              help="With an existing --client-id: issue a new secret (the old one stops working).")
def create_client(name, redirect_uris, post_logout, public, first_party, scope, grant_types,
                  client_id, id_token_alg, rotate_secret):
    """Create a client and print it as JSON (with client_secret when confidential).

    Re-runnable: with --client-id of an existing client, its settings are updated
    to the ones given and its secret is kept (the JSON then has no client_secret)
    unless --rotate-secret is given.
    """
    try:
        client, secret = save_client(
            client_id=client_id, name=name, redirect_uris=list(redirect_uris),
            post_logout_redirect_uris=list(post_logout), public=public, first_party=first_party,
            scope=scope, grant_types=list(grant_types) or None, rotate_secret=rotate_secret,
            id_token_alg=id_token_alg)
    except ClientError as exc:
        raise click.UsageError(str(exc)) from exc
    db.session.commit()
    click.echo(json.dumps(client_as_dict(client, secret), indent=2))


@clients_cli.command("list")
def list_clients_command():
    """Print every client as JSON (secrets are never shown)."""
    click.echo(json.dumps([client_as_dict(c) for c in list_clients()], indent=2))


@clients_cli.command("delete")
@click.argument("client_id")
def delete_client_command(client_id):
    """Delete a client with its tokens and consents."""
    if not delete_client(client_id):
        raise click.ClickException(f"no client {client_id}")
    db.session.commit()
    click.echo(f"deleted {client_id}")


def _key_dict(key) -> dict:
    return {"kid": key.kid, "alg": key.alg, "status": key.status,
            "created_at": key.created_at.isoformat(),
            "retire_after": key.retire_after.isoformat() if key.retire_after else None,
            "retired_at": key.retired_at.isoformat() if key.retired_at else None}


@keys_cli.command("rotate")
def rotate_command():
    """Add a new active key per algorithm; old keys stay published until their tokens expire."""
    require_real_secret(current_app)
    retire_expired_keys()
    created = rotate_keys()
    db.session.commit()
    click.echo(json.dumps([_key_dict(k) for k in created], indent=2))


@keys_cli.command("list")
def list_command():
    """Print every key (newest first) with its status as JSON."""
    click.echo(json.dumps([_key_dict(k) for k in list_keys()], indent=2))


@keys_cli.command("retire")
def retire_command():
    """Retire keys whose grace period is over (they leave the JWKS)."""
    retired = retire_expired_keys()
    db.session.commit()
    click.echo(json.dumps([_key_dict(k) for k in retired], indent=2))


oidc_cli = AppGroup("oidc", help="OpenID Provider housekeeping.")


@oidc_cli.command("prune")
def prune_command():
    """Delete expired authorization codes, refresh tokens and revocation records."""
    counts = prune_expired()
    db.session.commit()
    click.echo(json.dumps(counts))
