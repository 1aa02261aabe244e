"""Stołówka: a third-party school app that signs a parent in through the E-dziennik IdP and
shows the child's timetable from the register's API, so the canteen knows when each day's
lessons end.

It is what an outside developer writes: an OpenID Connect client (authorization code with
PKCE, ``state`` and ``nonce``, via Authlib) asking for ``openid timetable:read``, then
plain HTTPS calls to ``/api/v1`` with the access token as a bearer token.

    LUNCH_IDP_ISSUER=http://127.0.0.1:5001 LUNCH_API_URL=http://127.0.0.1:5000 \\
    LUNCH_CLIENT_ID=... LUNCH_CLIENT_SECRET=... LUNCH_SECRET_KEY=... \\
    flask --app examples/lunch_app/app.py run --port 5002
"""

from __future__ import annotations

import os
import secrets
import threading
from collections import defaultdict
from datetime import date

import requests
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, redirect, render_template, session, url_for

SCOPE = "openid timetable:read"


class TokenStore:
    """Access tokens kept on the server, keyed by a random id in the session cookie.

    The cookie is signed, not encrypted: a token in it could be read by anyone who gets
    the cookie, so it stays here (a real deployment would use its database or Redis).
    """

    def __init__(self) -> None:
        self._tokens: dict[str, dict] = {}
        self._lock = threading.Lock()

    def put(self, token: dict) -> str:
        key = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[key] = token
        return key

    def get(self, key: str | None) -> dict | None:
        with self._lock:
            return self._tokens.get(key) if key else None

    def drop(self, key: str | None) -> None:
        with self._lock:
            self._tokens.pop(key or "", None)


def create_app(config: dict | None = None) -> Flask:
    """Build the app from LUNCH_* environment variables (or ``config``)."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("LUNCH_SECRET_KEY"),
        IDP_ISSUER=os.environ.get("LUNCH_IDP_ISSUER", "http://127.0.0.1:5001"),
        API_URL=os.environ.get("LUNCH_API_URL", "http://127.0.0.1:5000").rstrip("/") + "/api/v1",
        CLIENT_ID=os.environ.get("LUNCH_CLIENT_ID"),
        CLIENT_SECRET=os.environ.get("LUNCH_CLIENT_SECRET"),
        SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True,
    )
    app.config.update(config or {})
    for key in ("SECRET_KEY", "CLIENT_ID", "CLIENT_SECRET"):
        if not app.config[key]:
            raise RuntimeError(f"set LUNCH_{key}")
    oauth = OAuth(app)
    oauth.register(
        "edziennik", client_id=app.config["CLIENT_ID"], client_secret=app.config["CLIENT_SECRET"],
        server_metadata_url=app.config["IDP_ISSUER"] + "/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "timeout": 10})
    tokens = TokenStore()

    def api(path: str, access_token: str) -> requests.Response:
        return requests.get(app.config["API_URL"] + path, timeout=10,
                            headers={"Authorization": f"Bearer {access_token}"})

    @app.get("/")
    def index():
        """The signed-in parent's children with this week's lessons, or a sign-in button."""
        token = tokens.get(session.get("token"))
        if token is None:
            return render_template("signin.html")
        me = api("/me", token["access_token"])
        if me.status_code == 401:  # expired or revoked: sign in again
            tokens.drop(session.pop("token", None))
            return redirect(url_for("index"))
        me.raise_for_status()
        children = []
        for pupil in me.json()["pupils"]:
            plan = api(f"/pupils/{pupil['id']}/timetable", token["access_token"])
            plan.raise_for_status()
            days: dict[str, list] = defaultdict(list)
            for lesson in plan.json()["lessons"]:
                days[lesson["date"]].append(lesson)
            children.append({"pupil": pupil, "days": [
                {"date": date.fromisoformat(day), "lessons": lessons,
                 "ends": max((x["ends_at"] for x in lessons
                              if x["status"] != "cancellation" and x["ends_at"]), default=None)}
                for day, lessons in sorted(days.items())]})
        return render_template("timetable.html", children=children)

    @app.get("/login")
    def login():
        return oauth.edziennik.authorize_redirect(url_for("callback", _external=True))

    @app.get("/callback")
    def callback():
        """The IdP's answer: exchange the code (PKCE verifier, state and nonce checked)."""
        try:
            token = oauth.edziennik.authorize_access_token()
        except Exception:  # noqa: BLE001 - denied consent, replayed state …: start again
            abort(400)
        session.clear()
        session["token"] = tokens.put({"access_token": token["access_token"]})
        return redirect(url_for("index"))

    @app.post("/logout")
    def logout():
        tokens.drop(session.pop("token", None))
        return redirect(url_for("index"))

    return app
