"""Every ``next`` of the IdP refuses the open-redirect corpus: GET/POST /login, /login/code, /logout."""

import time

import pyotp
import pytest
import time_machine

from idp.accounts import mfa
from idp.extensions import db
from tests.idp.accounts_factories import PASSWORD, make_account
from tests.idp.conftest import sign_in
from tests.support.redirects import FOREIGN_TARGETS, lands_on_this_site


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_signed_in_get_login_stays_on_the_idp(idp_client, target):
    sign_in(idp_client, make_account())
    response = idp_client.get("/login", query_string={"next": target})
    assert response.status_code == 302
    assert lands_on_this_site(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_post_login_stays_on_the_idp(idp_client, target):
    account = make_account()
    idp_client.get("/login", query_string={"next": target})
    response = idp_client.post("/login", query_string={"next": target},
                               data={"email": account.email, "password": PASSWORD})
    assert response.status_code == 302
    assert lands_on_this_site(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_second_step_stays_on_the_idp(idp_client, target):
    account = make_account()
    secret = pyotp.random_base32()
    with time_machine.travel(time.time() - 90, tick=False):
        mfa.enable(account, secret, pyotp.TOTP(secret).now())
    db.session.commit()
    idp_client.get("/login", query_string={"next": target})
    first = idp_client.post("/login", query_string={"next": target},
                            data={"email": account.email, "password": PASSWORD})
    assert first.headers["Location"].endswith("/login/code")
    idp_client.get("/login/code")
    response = idp_client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert lands_on_this_site(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_post_logout_stays_on_the_idp(idp_client, target):
    sign_in(idp_client, make_account())
    idp_client.get("/logout", query_string={"next": target})
    response = idp_client.post("/logout", query_string={"next": target}, data={})
    assert response.status_code == 302
    assert lands_on_this_site(response.headers["Location"]), response.headers["Location"]
