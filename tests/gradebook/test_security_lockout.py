"""Lockouts an attacker cannot aim (OWASP device cookies) with counters in the database."""

from gradebook_service.core.models import ThrottleCounter
from gradebook_service.extensions import db
from tests.gradebook import accounts_factories as f


def _ready_parent():
    school = f.make_school()
    parent = f.parent_accounts(f.make_family(f.make_class(school)))[0]
    f.make_ready(parent)
    f.commit()
    return parent


def _try(client, login, password, addr="10.1.1.1"):
    client.get("/login")
    return client.post("/login", data={"login": login, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def test_ten_failures_from_a_stranger_do_not_lock_out_the_owners_known_browser(
        gradebook_app, gradebook_client):
    parent = _ready_parent()
    assert f.sign_in(gradebook_client, parent).status_code == 302  # the owner's browser
    gradebook_client.get("/account")
    gradebook_client.post("/logout", data={})
    cookie = [c for c in gradebook_client._cookies.values() if "_device_" in c.key]
    assert cookie and cookie[0].http_only
    stranger = gradebook_app.test_client()
    for _ in range(10):  # a pupil who knows the parent's login, on another computer
        _try(stranger, parent.login, "Zgaduje123")
    # The stranger is locked out, even with the right password ...
    assert _try(stranger, parent.login, f.PASSWORD).status_code == 401
    # ... and the owner's browser signs in.
    assert _try(gradebook_client, parent.login, f.PASSWORD).status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(ThrottleCounter)) >= 1


def test_a_device_cookie_is_bound_to_its_account(gradebook_app, gradebook_client):
    parent = _ready_parent()
    other = _ready_parent()
    f.sign_in(gradebook_client, other)  # known for "other" only
    for _ in range(5):
        _try(gradebook_app.test_client(), parent.login, "Zgaduje123")
    assert _try(gradebook_client, parent.login, f.PASSWORD).status_code == 401


def test_failures_from_one_school_address_do_not_block_known_staff(gradebook_app,
                                                                   gradebook_client):
    parent = _ready_parent()
    f.sign_in(gradebook_client, parent)
    gradebook_client.get("/account")
    gradebook_client.post("/logout", data={})
    limit = int(gradebook_app.config["THROTTLE_PER_IP"].split()[0])
    noisy = gradebook_app.test_client()
    for n in range(limit):
        _try(noisy, f"99{n:05d}", "Zgaduje123", addr="10.9.9.9")
    assert _try(gradebook_app.test_client(), parent.login, f.PASSWORD,
                addr="10.9.9.9").status_code == 401  # an unknown browser on that address waits
    assert _try(gradebook_client, parent.login, f.PASSWORD, addr="10.9.9.9").status_code == 302
