"""Notification preferences, the one-click stop page, push subscriptions, the web app manifest."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _

from gradebook_service.accounts.access import current_account, login_required
from gradebook_service.accounts.models import STAFF
from gradebook_service.core.models import audit
from gradebook_service.notifications import push, services
from gradebook_service.notifications.dispatcher import mail_address
from gradebook_service.notifications.links import DIGEST_KINDS, account_from_stop_token
from gradebook_service.notifications.models import DIGEST, KINDS, MODES, OFF
from gradebook_service.notifications.texts import kind_name
from gradebook_service.web.family import family_context
from gradebook_service.web.staff import staff_account
from shared.tokens import TokenError

bp = Blueprint("notifications", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/notifications")

MAX_DEVICES = 10


def _page(template: str, **context):
    """Render inside the family or the staff layout, whoever is signed in."""
    account = current_account()
    if account.role == STAFF:
        staff_account()
        return render_template(template, layout="staff/layout.html", account=account, **context)
    return render_template(template, layout="family/layout.html", ctx=family_context(),
                           account=account, active="settings", **context)


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    """Per kind: immediately, in the daily digest, or off; by mail and/or push; the devices."""
    account = current_account()
    if request.method == "POST":
        for kind in KINDS:
            mode = request.form.get(f"mode-{kind}", "")
            if mode not in MODES:
                continue
            services.set_preference(account, kind, mode,
                                    by_mail=request.form.get(f"mail-{kind}") == "1",
                                    by_push=request.form.get(f"push-{kind}") == "1")
        flash(_("Notification settings saved."), "success")
        return redirect(url_for("notifications.preferences"), code=303)
    return _page("notifications/preferences.html", prefs=services.preferences(account),
                 kinds=KINDS, kind_name=kind_name, address=mail_address(account),
                 devices=push.subscriptions(account), push_enabled=push.push_enabled(),
                 vapid_public_key=current_app.config["NOTIFICATIONS_VAPID_PUBLIC_KEY"])


@bp.route("/notifications/stop/<token>", methods=["GET", "POST"])
def stop(token: str):
    """The link in every mail and push: one button turns these notifications off, no sign-in."""
    try:
        account, kind = account_from_stop_token(token)
    except TokenError:
        return render_template("notifications/stop.html", invalid=True), 404
    kinds = ([k for k, p in services.preferences(account).items() if p.mode == DIGEST]
             if kind == DIGEST_KINDS else [kind] if kind in KINDS else [])
    if not kinds and kind != DIGEST_KINDS:
        abort(404)
    if request.method == "POST":
        for each in kinds:
            services.set_preference(account, each, OFF, by_mail=False, by_push=False)
        audit("notifications.stopped", actor=account.login, kinds=",".join(kinds))
        return render_template("notifications/stop.html", done=True,
                               names=[kind_name(k) for k in kinds])
    return render_template("notifications/stop.html", token=token,
                           names=[kind_name(k) for k in kinds], digest=kind == DIGEST_KINDS)


@bp.post("/notifications/push/subscriptions")
@login_required
def subscribe():
    """Store this browser's push subscription (JSON from the subscribe button)."""
    account = current_account()
    data = request.get_json(silent=True) or {}
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    if len(push.subscriptions(account)) >= MAX_DEVICES:
        return jsonify(error=_("Remove a device first: at most %(n)s.", n=MAX_DEVICES)), 422
    try:
        push.subscribe(account, str(data.get("endpoint", "")), str(keys.get("p256dh", "")),
                       str(keys.get("auth", "")))
    except push.PushError:
        return jsonify(error=_("This browser's push service cannot be used.")), 422
    audit("notifications.push_subscribed", actor=account.login)
    return jsonify(ok=True), 201


@bp.post("/notifications/push/subscriptions/<int:subscription_id>/delete")
@login_required
def unsubscribe(subscription_id: int):
    """Forget one device."""
    if not push.unsubscribe(current_account(), subscription_id):
        abort(404)
    flash(_("The device will get no more notifications."), "success")
    return redirect(url_for("notifications.preferences"), code=303)


@bp.get("/manifest.webmanifest")
def manifest():
    """The installable web app: a parent adds the register to the phone's home screen."""
    response = jsonify({
        "name": "E-dziennik", "short_name": "E-dziennik", "start_url": "/", "scope": "/",
        "display": "standalone", "background_color": "#ffffff", "theme_color": "#1f3b63",
        "lang": "pl", "icons": [{"src": url_for("notifications.static", filename="icon.svg"),
                                 "sizes": "any", "type": "image/svg+xml", "purpose": "any"}]})
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker from the site's root, so its scope is the whole register."""
    response = send_from_directory(bp.static_folder, "sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    return response
