"""Registration with a school login: /register, activation links, resend, enumeration resistance."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from idp.accounts.models import ACTIVE, PENDING_ACTIVATION, Account, SchoolAccountLink
from idp.extensions import db
from tests.idp.unified_support import (
    PASSWORD,
    link_in,
    linked_fixture,  # noqa: F401 - the ``linked`` fixture
    make_family,
    outbox,
    register,
)


def account(email):
    db.session.expire_all()
    return db.session.execute(sa.select(Account).where(Account.email == email)).scalar_one_or_none()


def test_form_has_contract_fields(linked):
    page = linked.client.get("/register").get_data(as_text=True)
    for name in ("email", "password", "password_confirm", "school_login", "school_password",
                 "parent_email", "accept_terms", "csrf_token"):
        assert f'name="{name}"' in page
    assert 'data-password-hint="register-password-rules"' in page
    assert "password-hint.js" in page


def test_parent_registers_activates_and_signs_in(linked):
    family = make_family(linked.gradebook)
    response = register(linked.client, email="Ewa@Example.org", login=family.parent_login,
                        school_password=family.parent_password)
    assert response.status_code == 200, response.get_data(as_text=True)
    created = account("ewa@example.org")
    assert created.status == PENDING_ACTIVATION
    assert created.terms_version
    assert [(link.ref, link.role, link.pupil_ref) for link in created.school_links] == [
        (family.parent_ref, "parent", family.pupil_ref)]
    assert created.school_links[0].pupil_display_name == family.pupil_name
    mail = outbox(linked.idp, "ewa@example.org")[-1]
    assert "Aktywuj" in mail.subject and "Activate" in mail.subject
    assert "English version" in mail.body_text and 'lang="en"' in mail.body_html
    assert family.parent_password not in mail.body_text
    path = link_in(mail, "/activate/")
    # A GET (a mail scanner's prefetch) activates nothing.
    page = linked.client.get(path)
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
    assert account("ewa@example.org").status == PENDING_ACTIVATION
    # Not active yet: the right password explains what is missing.
    linked.client.get("/login")
    blocked = linked.client.post("/login", data={"email": "ewa@example.org", "password": PASSWORD})
    assert blocked.status_code == 403
    linked.client.get(path)
    done = linked.client.post(path, data={})
    assert done.status_code == 200
    assert account("ewa@example.org").status == ACTIVE
    assert account("ewa@example.org").email_verified_at is not None
    # The link works once.
    assert linked.client.get(path).status_code == 404
    linked.client.get("/login")
    signed_in = linked.client.post("/login", data={"email": "ewa@example.org",
                                                   "password": PASSWORD})
    assert signed_in.status_code == 302


def test_wrong_school_password_explained_and_nothing_created(linked):
    family = make_family(linked.gradebook)
    response = register(linked.client, email="ewa@example.org", login=family.parent_login,
                        school_password="Wrong1Password")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="school_password-errors"' in body
    assert 'value="ewa@example.org"' in body and f'value="{family.parent_login}"' in body
    assert "Wrong1Password" not in body and PASSWORD not in body
    assert account("ewa@example.org") is None
    assert outbox(linked.idp) == []


def test_every_failed_password_rule_is_shown(linked):
    family = make_family(linked.gradebook)
    response = register(linked.client, email="ewa@example.org", login=family.parent_login,
                        school_password=family.parent_password, password="abc")
    body = response.get_data(as_text=True)
    errors = re.search(r'<ul class="errors" id="password-errors">(.*?)</ul>', body, re.S).group(1)
    assert errors.count("<li>") >= 3  # too short, no upper-case letter, no digit
    assert 'aria-describedby="password-hint password-errors"' in body
    assert account("ewa@example.org") is None


@pytest.mark.parametrize("field,data,needle", [
    ("password_confirm", {"confirm": "Inne8Haslo"}, "password_confirm-errors"),
    ("accept_terms", {"accept": False}, "accept_terms-errors"),
])
def test_form_problems_reported_per_field(linked, field, data, needle):
    family = make_family(linked.gradebook)
    response = register(linked.client, email="ewa@example.org", login=family.parent_login,
                        school_password=family.parent_password, **data)
    assert needle in response.get_data(as_text=True)
    assert account("ewa@example.org") is None


def test_pupil_must_give_a_parent_address_other_than_their_own(linked):
    family = make_family(linked.gradebook, age=12)
    missing = register(linked.client, email="jas@example.org", login=family.pupil_login,
                       school_password=family.pupil_password)
    assert 'id="parent_email-errors"' in missing.get_data(as_text=True)
    same = register(linked.client, email="jas@example.org", login=family.pupil_login,
                    school_password=family.pupil_password, parent_email="JAS@example.org")
    assert 'id="parent_email-errors"' in same.get_data(as_text=True)
    assert account("jas@example.org") is None


def _strip(body: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", body)


def test_known_address_gets_the_same_page_and_a_mail_instead(linked, monkeypatch):
    family = make_family(linked.gradebook)
    other = make_family(linked.gradebook)
    register(linked.client, email="ewa@example.org", login=family.parent_login,
             school_password=family.parent_password)
    hasher = linked.idp.extensions["hasher"]
    hashes = []
    original = hasher.hash
    monkeypatch.setattr(hasher, "hash", lambda pw: hashes.append(1) or original(pw))
    # Same school account family, two addresses: one known, one new.
    client_a, client_b = linked.new_client(), linked.new_client()
    known = register(client_a, email="ewa@example.org", login=other.parent_login,
                     school_password=other.parent_password)
    hashes_known = len(hashes)
    fresh_family = make_family(linked.gradebook)
    new = register(client_b, email="nowy@example.org", login=fresh_family.parent_login,
                   school_password=fresh_family.parent_password)
    hashes_new = len(hashes) - hashes_known
    assert known.status_code == new.status_code == 200
    assert _strip(known.get_data(as_text=True)).replace("ewa@example.org", "X") == \
        _strip(new.get_data(as_text=True)).replace("nowy@example.org", "X")
    assert sorted(name for name, _ in known.headers.items()) == \
        sorted(name for name, _ in new.headers.items())
    assert hashes_known == hashes_new == 1  # one argon2 hash on both paths
    # The owner was told; no second account, no link to the other family.
    mails = outbox(linked.idp, "ewa@example.org")
    assert len(mails) == 2 and "already" in mails[-1].body_text
    assert db.session.execute(sa.select(sa.func.count()).select_from(Account)).scalar() == 2
    assert db.session.execute(sa.select(SchoolAccountLink).where(
        SchoolAccountLink.ref == other.parent_ref)).scalar() is None


def test_school_account_links_to_one_unified_account(linked):
    family = make_family(linked.gradebook)
    register(linked.client, email="ewa@example.org", login=family.parent_login,
             school_password=family.parent_password)
    path = link_in(outbox(linked.idp, "ewa@example.org")[-1], "/activate/")
    linked.client.get(path)
    assert linked.client.post(path, data={}).status_code == 200
    assert account("ewa@example.org").status == ACTIVE
    again = register(linked.new_client(), email="ktos@example.org", login=family.parent_login,
                     school_password=family.parent_password)
    assert 'id="school_login-errors"' in again.get_data(as_text=True)
    assert account("ktos@example.org") is None


def test_abandoned_registration_does_not_lock_the_school_account(linked):
    family = make_family(linked.gradebook)
    register(linked.client, email="stary@example.org", login=family.parent_login,
             school_password=family.parent_password)
    register(linked.new_client(), email="nowy@example.org", login=family.parent_login,
             school_password=family.parent_password)
    assert account("stary@example.org") is None
    assert account("nowy@example.org").school_links[0].ref == family.parent_ref


def _activation_path(linked, email):
    return link_in(outbox(linked.idp, email)[-1], "/activate/")


def test_activation_link_expires_after_48_hours(linked):
    family = make_family(linked.gradebook)
    register(linked.client, email="ewa@example.org", login=family.parent_login,
             school_password=family.parent_password)
    path = _activation_path(linked, "ewa@example.org")
    with time_machine.travel(timedelta(hours=47), tick=False):
        assert linked.client.get(path).status_code == 200
    with time_machine.travel(timedelta(hours=49), tick=False):
        expired = linked.client.get(path)
        assert expired.status_code == 410
        linked.client.get("/register/resend")  # a fresh form token at the later time
        assert linked.client.post(path, data={}).status_code == 410
    assert account("ewa@example.org").status == PENDING_ACTIVATION


def test_tampered_activation_link_refused(linked):
    family = make_family(linked.gradebook)
    register(linked.client, email="ewa@example.org", login=family.parent_login,
             school_password=family.parent_password)
    path = _activation_path(linked, "ewa@example.org")
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert linked.client.get(tampered).status_code == 404
    # A token made for another purpose (same secret, other salt) does not activate either.
    from shared.tokens import TokenPurpose, token_service

    other = token_service(TokenPurpose("idp.password-reset", 3600)).dumps(
        {"a": account("ewa@example.org").id})
    assert linked.client.get(f"/activate/{other}").status_code == 404


def test_new_link_invalidates_the_old_one_and_answer_is_the_same(linked):
    family = make_family(linked.gradebook)
    register(linked.client, email="ewa@example.org", login=family.parent_login,
             school_password=family.parent_password)
    first = _activation_path(linked, "ewa@example.org")
    linked.client.get("/register/resend")
    known = linked.client.post("/register/resend", data={"email": "ewa@example.org"})
    unknown = linked.client.post("/register/resend", data={"email": "nikt@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert _strip(known.get_data(as_text=True)).replace("ewa@example.org", "X") == \
        _strip(unknown.get_data(as_text=True)).replace("nikt@example.org", "X")
    assert outbox(linked.idp, "nikt@example.org") == []
    second = _activation_path(linked, "ewa@example.org")
    assert second != first
    assert linked.client.get(first).status_code == 404
    linked.client.get(second)
    assert linked.client.post(second, data={}).status_code == 200
    assert account("ewa@example.org").status == ACTIVE


@pytest.mark.app_config({"RESEND_LIMIT_PER_ADDRESS": "2 per hour"})
def test_resend_throttled_per_address(linked):
    linked.client.get("/register/resend")
    codes = [linked.client.post("/register/resend", data={"email": "ewa@example.org"}).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]


@pytest.mark.app_config({"REGISTER_LIMIT_PER_IP": "2 per hour"})
def test_registration_throttled_per_client(linked):
    family = make_family(linked.gradebook)
    codes = [register(linked.client, email=f"x{n}@example.org", login=family.parent_login,
                      school_password="Wrong1Password").status_code for n in range(3)]
    assert codes[-1] == 429


def test_activation_post_needs_csrf(linked):
    family = make_family(linked.gradebook)
    register(linked.client, email="ewa@example.org", login=family.parent_login,
             school_password=family.parent_password)
    path = _activation_path(linked, "ewa@example.org")
    linked.client.get(path)
    assert linked.client.post(path, data={"csrf_token": ""}).status_code == 400
    assert account("ewa@example.org").status == PENDING_ACTIVATION


def test_linked_school_login_gives_the_same_answer_for_known_and_new_addresses(linked):
    family = make_family(linked.gradebook)
    register(linked.client, email="ewa@example.org", login=family.parent_login,
             school_password=family.parent_password)
    path = _activation_path(linked, "ewa@example.org")
    linked.client.get(path)
    linked.client.post(path, data={})
    make_account_known = make_family(linked.gradebook)
    register(linked.new_client(), email="znany@example.org",
             login=make_account_known.parent_login,
             school_password=make_account_known.parent_password)
    # Someone holding the (already linked) school login probes two addresses.
    known = register(linked.new_client(), email="znany@example.org", login=family.parent_login,
                     school_password=family.parent_password)
    new = register(linked.new_client(), email="nowy@example.org", login=family.parent_login,
                   school_password=family.parent_password)
    assert known.status_code == new.status_code
    assert _strip(known.get_data(as_text=True)).replace("znany@example.org", "X") == \
        _strip(new.get_data(as_text=True)).replace("nowy@example.org", "X")


@pytest.mark.app_config({"GRADEBOOK_URL": "http://127.0.0.1:9", "BACKCHANNEL_TIMEOUT": (1, 1)})
def test_gradebook_down_is_explained_and_nothing_is_created(idp_client):
    response = register(idp_client, email="ewa@example.org", login="1234567",
                        school_password="Szkolne1Haslo")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert 'value="ewa@example.org"' in body and "Szkolne1Haslo" not in body
    assert account("ewa@example.org") is None


@pytest.mark.app_config({"REGISTER_LIMIT_PER_ADDRESS": "2 per hour"})
def test_registration_throttled_per_address(linked):
    family = make_family(linked.gradebook)
    codes = [register(linked.new_client(), email="ewa@example.org", login=family.parent_login,
                      school_password="Wrong1Password").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
