"""Parental consent for pupils under the consent age: mail, proof of parenthood, decision."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from idp.accounts.models import ACTIVE, PENDING_CONSENT, Account
from idp.extensions import db
from idp.parental_consent.models import (
    BY_SCHOOL_LOGIN,
    BY_UNIFIED_ACCOUNT,
    GRANTED,
    REFUSED,
    ParentalConsent,
)
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


def consent_of(email):
    db.session.expire_all()
    return db.session.execute(sa.select(ParentalConsent).join(
        Account, Account.id == ParentalConsent.pupil_account_id).where(Account.email == email)
        .order_by(ParentalConsent.id.desc())).scalars().first()


def activate(client, idp_app, email):
    path = link_in(outbox(idp_app, email)[-1], "/activate/")
    client.get(path)
    assert client.post(path, data={}).status_code == 200


def pupil_registered(linked, family, *, pupil_email="jas@example.org",
                     parent_email="mama@example.org"):
    response = register(linked.client, email=pupil_email, login=family.pupil_login,
                        school_password=family.pupil_password, parent_email=parent_email)
    assert response.status_code == 200, response.get_data(as_text=True)
    activate(linked.client, linked.idp, pupil_email)
    return link_in(outbox(linked.idp, parent_email)[-1], "/consent/")


def sign_in(client, email, password=PASSWORD):
    client.get("/login", query_string={"force": "1"})
    return client.post("/login", query_string={"force": "1"},
                       data={"email": email, "password": password})


def decide(client, path, decision, login="", password=""):
    client.get(path)
    data = {"school_login": login, "school_password": password}
    if decision:
        data["decision"] = decision
    return client.post(path, data=data)


def test_young_pupil_waits_for_consent_and_parent_is_asked(linked):
    family = make_family(linked.gradebook, age=12)
    path = pupil_registered(linked, family)
    pupil = account("jas@example.org")
    assert pupil.status == PENDING_CONSENT
    mail = outbox(linked.idp, "mama@example.org")[-1]
    assert family.pupil_name in mail.subject
    assert family.pupil_name in mail.body_text and family.school in mail.body_text
    assert "English version" in mail.body_text and mail.body_html
    # The pupil cannot sign in yet and is told why (after the right password only).
    response = sign_in(linked.client, "jas@example.org")
    assert response.status_code == 403
    assert "m…a@example.org" in response.get_data(as_text=True)
    # The consent page names the pupil and asks for the parent's school login.
    page = linked.client.get(path).get_data(as_text=True)
    assert family.pupil_name in page and family.school in page
    for name in ('name="school_login"', 'name="school_password"', 'name="decision" value="accept"',
                 'name="decision" value="refuse"'):
        assert name in page


def test_parent_consents_with_school_login_and_pupil_signs_in(linked):
    family = make_family(linked.gradebook, age=12)
    path = pupil_registered(linked, family)
    parent = linked.new_client()
    done = decide(parent, path, "accept", family.parent_login, family.parent_password)
    assert done.status_code == 200, done.get_data(as_text=True)
    assert account("jas@example.org").status == ACTIVE
    record = consent_of("jas@example.org")
    assert record.status == GRANTED and record.method == BY_SCHOOL_LOGIN
    assert record.parent_ref == family.parent_ref and record.parent_display_name == family.parent_name
    assert record.decided_ip and record.decided_at and record.notice_version
    told = outbox(linked.idp, "jas@example.org")[-1]
    assert "agreed" in told.body_text
    assert sign_in(linked.new_client(), "jas@example.org").status_code == 302
    # The link worked once.
    assert parent.get(path).status_code == 404


def test_pupil_cannot_consent_with_their_own_login(linked):
    family = make_family(linked.gradebook, age=12)
    path = pupil_registered(linked, family, parent_email="jas.drugi@example.org")
    response = decide(linked.client, path, "accept", family.pupil_login, family.pupil_password)
    assert 'id="school_login-errors"' in response.get_data(as_text=True)
    assert account("jas@example.org").status == PENDING_CONSENT
    assert consent_of("jas@example.org").status != GRANTED


def test_another_childs_parent_login_does_not_count(linked):
    family = make_family(linked.gradebook, age=12)
    stranger = make_family(linked.gradebook, age=12)
    path = pupil_registered(linked, family)
    response = decide(linked.client, path, "accept", stranger.parent_login,
                      stranger.parent_password)
    assert 'id="school_login-errors"' in response.get_data(as_text=True)
    assert account("jas@example.org").status == PENDING_CONSENT


def test_wrong_parent_password_or_missing_decision(linked):
    family = make_family(linked.gradebook, age=12)
    path = pupil_registered(linked, family)
    wrong = decide(linked.client, path, "accept", family.parent_login, "Wrong1Password")
    assert 'id="school_password-errors"' in wrong.get_data(as_text=True)
    assert "Wrong1Password" not in wrong.get_data(as_text=True)
    nothing = decide(linked.client, path, None, family.parent_login, family.parent_password)
    assert nothing.status_code == 400
    missing = decide(linked.client, path, "accept")
    assert 'id="school_login-errors"' in missing.get_data(as_text=True)
    assert account("jas@example.org").status == PENDING_CONSENT


def test_parent_refuses_and_pupil_stays_blocked(linked):
    family = make_family(linked.gradebook, age=12)
    path = pupil_registered(linked, family)
    done = decide(linked.new_client(), path, "refuse", family.parent_login,
                  family.parent_password)
    assert done.status_code == 200
    assert account("jas@example.org").status == PENDING_CONSENT
    assert consent_of("jas@example.org").status == REFUSED
    assert "did not agree" in outbox(linked.idp, "jas@example.org")[-1].body_text
    blocked = sign_in(linked.client, "jas@example.org")
    assert blocked.status_code == 403
    # The pupil may ask again; a new link is mailed and the old one stays dead.
    linked.client.get("/consent/ask-again")
    assert linked.client.post("/consent/ask-again", data={}).status_code == 302
    new_path = link_in(outbox(linked.idp, "mama@example.org")[-1], "/consent/")
    assert new_path != path
    assert linked.client.get(path).status_code == 404
    assert linked.client.get(new_path).status_code == 200


def test_pupil_of_consent_age_needs_no_consent(linked):
    family = make_family(linked.gradebook, age=16)
    register(linked.client, email="ola@example.org", login=family.pupil_login,
             school_password=family.pupil_password, parent_email="mama@example.org")
    activate(linked.client, linked.idp, "ola@example.org")
    assert account("ola@example.org").status == ACTIVE
    assert outbox(linked.idp, "mama@example.org") == []
    assert consent_of("ola@example.org") is None


@pytest.mark.app_config({"PARENTAL_CONSENT_AGE": 13})
def test_consent_age_is_a_setting(linked):
    family = make_family(linked.gradebook, age=13)
    register(linked.client, email="ola@example.org", login=family.pupil_login,
             school_password=family.pupil_password, parent_email="mama@example.org")
    activate(linked.client, linked.idp, "ola@example.org")
    assert account("ola@example.org").status == ACTIVE


def test_parent_consents_signed_in_with_linked_unified_account(linked):
    family = make_family(linked.gradebook, age=12)
    path = pupil_registered(linked, family)
    parent = linked.new_client()
    register(parent, email="mama@example.org", login=family.parent_login,
             school_password=family.parent_password)
    activate(parent, linked.idp, "mama@example.org")
    assert sign_in(parent, "mama@example.org").status_code == 302
    page = parent.get(path).get_data(as_text=True)
    assert "a parent of" in page or "rodzic" in page
    done = parent.post(path, data={"decision": "accept"})
    assert done.status_code == 200
    record = consent_of("jas@example.org")
    assert record.method == BY_UNIFIED_ACCOUNT
    assert record.parent_account_id == account("mama@example.org").id
    assert account("jas@example.org").status == ACTIVE


def test_signed_in_account_without_parent_login_must_use_school_login(linked):
    family = make_family(linked.gradebook, age=12)
    stranger = make_family(linked.gradebook, age=12)
    path = pupil_registered(linked, family)
    other = linked.new_client()
    register(other, email="obcy@example.org", login=stranger.parent_login,
             school_password=stranger.parent_password)
    activate(other, linked.idp, "obcy@example.org")
    sign_in(other, "obcy@example.org")
    response = decide(other, path, "accept")
    assert 'id="school_login-errors"' in response.get_data(as_text=True)
    assert account("jas@example.org").status == PENDING_CONSENT


def test_consent_link_expires_and_tampering_fails(linked):
    family = make_family(linked.gradebook, age=12)
    path = pupil_registered(linked, family)
    assert linked.client.get(path[:-2] + "xx").status_code == 404
    with time_machine.travel(timedelta(days=15), tick=False):
        assert linked.client.get(path).status_code == 404
    assert linked.client.get(path).status_code == 200


def test_parent_withdraws_consent_pupil_blocked_and_tokens_revoked(linked):
    from tests.idp.conftest import Flow, make_client

    family = make_family(linked.gradebook, age=12)
    path = pupil_registered(linked, family)
    decide(linked.new_client(), path, "accept", family.parent_login, family.parent_password)
    # The pupil is signed in and an app holds their refresh token.
    pupil = linked.new_client()
    assert sign_in(pupil, "jas@example.org").status_code == 302
    flow = Flow(pupil, *make_client())
    tokens = flow.tokens(scope="openid offline_access", prompt="consent")
    # The parent, with a unified account linked to their parent login, withdraws consent.
    parent = linked.new_client()
    register(parent, email="mama@example.org", login=family.parent_login,
             school_password=family.parent_password)
    activate(parent, linked.idp, "mama@example.org")
    sign_in(parent, "mama@example.org")
    page = parent.get("/account/school-accounts").get_data(as_text=True)
    assert family.pupil_name in page and "jas@example.org" in page
    record = consent_of("jas@example.org")
    assert parent.post(f"/account/consents/{record.id}/withdraw", data={}).status_code == 302
    assert account("jas@example.org").status == "disabled"
    assert consent_of("jas@example.org").status == "withdrawn"
    assert consent_of("jas@example.org").withdrawn_at is not None
    assert pupil.get("/account").status_code == 302  # signed out
    assert flow.post_token({"grant_type": "refresh_token",
                            "refresh_token": tokens["refresh_token"]}).status_code == 400
    assert sign_in(linked.new_client(), "jas@example.org").status_code == 403
    assert "withdrawn" in outbox(linked.idp, "jas@example.org")[-1].body_text
    # Giving consent again lets the pupil back in.
    parent.get("/account/school-accounts")
    assert parent.post(f"/account/consents/{record.id}/grant", data={}).status_code == 302
    assert account("jas@example.org").status == ACTIVE


def test_other_parent_cannot_withdraw(linked):
    family = make_family(linked.gradebook, age=12)
    stranger = make_family(linked.gradebook, age=12)
    path = pupil_registered(linked, family)
    decide(linked.new_client(), path, "accept", family.parent_login, family.parent_password)
    other = linked.new_client()
    register(other, email="obcy@example.org", login=stranger.parent_login,
             school_password=stranger.parent_password)
    activate(other, linked.idp, "obcy@example.org")
    sign_in(other, "obcy@example.org")
    record = consent_of("jas@example.org")
    other.get("/account/school-accounts")
    assert other.post(f"/account/consents/{record.id}/withdraw", data={}).status_code == 404
    assert account("jas@example.org").status == ACTIVE


def test_linked_parent_decides_from_the_settings(linked):
    family = make_family(linked.gradebook, age=12)
    pupil_registered(linked, family)
    parent = linked.new_client()
    register(parent, email="mama@example.org", login=family.parent_login,
             school_password=family.parent_password)
    activate(parent, linked.idp, "mama@example.org")
    sign_in(parent, "mama@example.org")
    page = parent.get("/account/school-accounts").get_data(as_text=True)
    record = consent_of("jas@example.org")
    assert f"/account/consents/{record.id}/decide" in page
    assert parent.post(f"/account/consents/{record.id}/decide",
                       data={"decision": "refuse"}).status_code == 302
    assert consent_of("jas@example.org").status == REFUSED
    parent.get("/account/school-accounts")
    assert parent.post(f"/account/consents/{record.id}/decide",
                       data={"decision": "accept"}).status_code == 302
    assert account("jas@example.org").status == ACTIVE
    assert consent_of("jas@example.org").method == BY_UNIFIED_ACCOUNT
    # Nobody else can decide.
    other = make_family(linked.gradebook)
    stranger = linked.new_client()
    register(stranger, email="obcy@example.org", login=other.parent_login,
             school_password=other.parent_password)
    activate(stranger, linked.idp, "obcy@example.org")
    sign_in(stranger, "obcy@example.org")
    stranger.get("/account/school-accounts")
    assert stranger.post(f"/account/consents/{record.id}/decide",
                         data={"decision": "refuse"}).status_code == 404
