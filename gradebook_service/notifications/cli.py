"""``flask --app gradebook_service notifications …``: the dispatcher and the VAPID key pair."""

from __future__ import annotations

import threading

import click
from flask.cli import AppGroup

from gradebook_service.notifications import dispatcher
from gradebook_service.notifications.push import generate_vapid_keys

notifications_cli = AppGroup("notifications", help="E-mail and Web Push notifications.")


@notifications_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending every --interval seconds.")
@click.option("--interval", default=60.0, show_default=True, help="Seconds between rounds.")
def send_command(loop: bool, interval: float) -> None:
    """Send the news that is due (mails go to the outbox; run `mail deliver` too)."""
    while True:
        result = dispatcher.run()
        click.echo(f"mails {result.mails}, digests {result.digests}, pushes {result.pushes}, "
                   f"held {result.held}, dropped {result.dropped}")
        if not loop:
            break
        threading.Event().wait(interval)


@notifications_cli.command("vapid-keys")
def vapid_keys_command() -> None:
    """Print a new VAPID key pair as environment lines (keep the private key secret)."""
    private, public = generate_vapid_keys()
    click.echo(f"NOTIFICATIONS_VAPID_PRIVATE_KEY={private}")
    click.echo(f"NOTIFICATIONS_VAPID_PUBLIC_KEY={public}")
