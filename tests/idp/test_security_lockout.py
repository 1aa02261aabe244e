"""Lockouts at the IdP that an attacker cannot aim: password, TOTP code and /recovery."""

import time

import pyotp
import pytest
import time_machine

from idp.accounts import mfa
from idp.extensions import db
from tests.idp.accounts_factories import PASSWORD, make_account
from tests.idp.test_recovery import ask, outbox


def _login(client, email, password, addr="10.2.2.2"):
    client.get("/login", query_string={"force": "1"})
    return client.post("/login", query_string={"force": "1"},
                       data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def test_a_strangers_failures_do_not_lock_out_the_owners_known_browser(idp_app, idp_client):
    account = make_account()
    assert _login(idp_client, account.email, PASSWORD).status_code == 302
    stranger = idp_app.test_client()
    for _ in range(10):
        _login(stranger, account.email, "Zgaduje123", addr="10.3.3.3")
    assert _login(stranger, account.email, PASSWORD, addr="10.3.3.3").status_code == 429
    assert _login(idp_client, account.email, PASSWORD).status_code == 302


def test_wrong_codes_from_elsewhere_do_not_block_the_owners_code(idp_app, idp_client):
    account = make_account()
    secret = pyotp.random_base32()
    with time_machine.travel(time.time() - 120, tick=False):
        mfa.enable(account, secret, pyotp.TOTP(secret).now())
    db.session.commit()

    def code_step(client, code, addr):
        _login(client, account.email, PASSWORD, addr=addr)
        client.get("/login/code")
        return client.post("/login/code", data={"code": code}, environ_base={"REMOTE_ADDR": addr})

    with time_machine.travel(time.time() - 60, tick=False):
        assert code_step(idp_client, pyotp.TOTP(secret).now(), "10.2.2.2").status_code == 302
    stranger = idp_app.test_client()  # knows the password, guesses codes
    for _ in range(6):
        code_step(stranger, "000000", "10.3.3.3")
    assert code_step(stranger, pyotp.TOTP(secret).now(), "10.3.3.3").status_code == 429
    assert code_step(idp_client, pyotp.TOTP(secret).now(), "10.2.2.2").status_code == 302


@pytest.mark.app_config({"RECOVERY_LIMIT_PER_ADDRESS": "2 per hour"})
def test_recovery_requests_for_someone_elses_address_do_not_block_the_owner(idp_app, idp_client):
    account = make_account()
    assert _login(idp_client, account.email, PASSWORD).status_code == 302
    stranger = idp_app.test_client()
    assert [ask(stranger, account.email).status_code for _ in range(3)] == [200, 200, 429]
    before = len(outbox(idp_app, account.email))
    assert ask(idp_client, account.email).status_code == 200
    assert len(outbox(idp_app, account.email)) == before + 1
