"""Sign-out at the IdP ends the session on the server: a copied cookie opens nothing afterwards."""

from idp.accounts.models import BrowserSession
from idp.extensions import db
from tests.idp.accounts_factories import PASSWORD, make_account


def _sign_in(client, account):
    client.get("/login")
    assert client.post("/login", data={"email": account.email,
                                       "password": PASSWORD}).status_code == 302


def _replay(app, cookie: str, path: str):
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    return other.get(path)


def test_a_cookie_copied_before_sign_out_no_longer_opens_the_account(idp_app, idp_client):
    account = make_account()
    _sign_in(idp_client, account)
    copied = idp_client.get_cookie(idp_app.config["SESSION_COOKIE_NAME"]).value
    assert _replay(idp_app, copied, "/account").status_code == 200
    idp_client.get("/logout")
    assert idp_client.post("/logout", data={}).status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(BrowserSession)) == 0
    replayed = _replay(idp_app, copied, "/account")
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]


def test_a_password_change_elsewhere_still_ends_the_session(idp_app, idp_client):
    from idp.accounts import services

    account = make_account()
    _sign_in(idp_client, account)
    assert idp_client.get("/account").status_code == 200
    services.end_all_sessions(account)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(BrowserSession)) == 0
    assert idp_client.get("/account").status_code == 302
