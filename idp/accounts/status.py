"""What to tell the owner of an account that cannot sign in yet (shown after the right password)."""

from __future__ import annotations

from flask_babel import gettext as _

from idp.accounts.models import DISABLED, PENDING_ACTIVATION, PENDING_CONSENT, Account


def _url(endpoint: str, **values) -> str | None:
    from flask import url_for
    from werkzeug.routing import BuildError

    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def explain(account: Account) -> dict:
    """Return ``{"title", "message", "action_url", "action_label"}`` for the account's status."""
    if account.status == PENDING_ACTIVATION:
        return {
            "title": _("Your account is not active yet"),
            "message": _("Open the activation link we sent to %(email)s. The link is valid for "
                         "48 hours; if it has expired or the mail did not arrive, ask for a "
                         "new one.", email=account.email),
            "action_url": _url("registration.resend", email=account.email),
            "action_label": _("Send a new activation link"),
        }
    if account.status == PENDING_CONSENT:
        info = _consent_info(account)
        if info.get("refused"):
            message = _("Your parent or guardian did not agree to this account, so it stays "
                        "blocked. Talk to them; they can still agree using the link in the mail "
                        "we sent them.")
        else:
            message = _("A parent or guardian must agree before you can use this account. We "
                        "sent them a mail at %(email)s with a link to agree.",
                        email=info.get("parent_email_masked") or "…")
        return {"title": _("Waiting for your parent's consent"), "message": message,
                "action_url": _url("parental_consent.resend_request"),
                "action_label": _("Send the request to my parent again")}
    if account.status == DISABLED:
        return {"title": _("This account is blocked"),
                "message": _("This account cannot be used: it was disabled, for example because "
                             "a parent withdrew their consent. Contact your school if you think "
                             "this is a mistake."),
                "action_url": None, "action_label": None}
    return {"title": "", "message": "", "action_url": None, "action_label": None}


def _consent_info(account: Account) -> dict:
    try:
        from idp.parental_consent.services import consent_status
    except ImportError:
        return {}
    return consent_status(account)
