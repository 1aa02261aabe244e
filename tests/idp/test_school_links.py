"""Linking school logins to a unified account from the settings, and the ``school_accounts`` claim."""

from __future__ import annotations

import sqlalchemy as sa

from idp.accounts.models import Account
from idp.extensions import db
from tests.idp.conftest import Flow, bearer, make_client
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
    return db.session.execute(sa.select(Account).where(Account.email == email)).scalar_one()


def registered_parent(linked, family, email="mama@example.org"):
    register(linked.client, email=email, login=family.parent_login,
             school_password=family.parent_password)
    path = link_in(outbox(linked.idp, email)[-1], "/activate/")
    linked.client.get(path)
    linked.client.post(path, data={})
    linked.client.get("/login")
    assert linked.client.post("/login", data={"email": email,
                                              "password": PASSWORD}).status_code == 302


def add_child(client, login, password):
    client.get("/account/school-accounts")
    return client.post("/account/school-accounts",
                       data={"school_login": login, "school_password": password})


def test_parent_links_a_second_child_and_the_claim_shows_both(linked):
    first = make_family(linked.gradebook, first_name="Ala")
    second = make_family(linked.gradebook, first_name="Olek")
    registered_parent(linked, first)
    added = add_child(linked.client, second.parent_login, second.parent_password)
    assert added.status_code == 302, added.get_data(as_text=True)
    page = linked.client.get("/account/school-accounts").get_data(as_text=True)
    assert first.pupil_name in page and second.pupil_name in page
    # The school claim of the OIDC userinfo lists both parent logins.
    flow = Flow(linked.client, *make_client())
    tokens = flow.tokens(scope="openid school")
    info = linked.client.get("/oauth/userinfo", headers=bearer(tokens["access_token"])).get_json()
    refs = {(item["ref"], item["role"]) for item in info["school_accounts"]}
    assert refs == {(first.parent_ref, "parent"), (second.parent_ref, "parent")}
    assert all(item["school"] == first.school for item in info["school_accounts"])


def test_wrong_password_for_the_second_child(linked):
    first = make_family(linked.gradebook)
    second = make_family(linked.gradebook)
    registered_parent(linked, first)
    response = add_child(linked.client, second.parent_login, "Wrong1Password")
    body = response.get_data(as_text=True)
    assert 'id="school_password-errors"' in body and "Wrong1Password" not in body
    assert len(account("mama@example.org").school_links) == 1


def test_pupil_login_cannot_be_added_to_a_parent_account(linked):
    first = make_family(linked.gradebook)
    registered_parent(linked, first)
    response = add_child(linked.client, first.pupil_login, first.pupil_password)
    assert 'id="school_login-errors"' in response.get_data(as_text=True)
    assert len(account("mama@example.org").school_links) == 1


def test_login_linked_elsewhere_cannot_be_added(linked):
    first = make_family(linked.gradebook)
    second = make_family(linked.gradebook)
    other = linked.new_client()
    register(other, email="tata@example.org", login=second.parent_login,
             school_password=second.parent_password)
    path = link_in(outbox(linked.idp, "tata@example.org")[-1], "/activate/")
    other.get(path)
    other.post(path, data={})
    registered_parent(linked, first)
    response = add_child(linked.client, second.parent_login, second.parent_password)
    assert 'id="school_login-errors"' in response.get_data(as_text=True)


def test_unlink_a_child(linked):
    first = make_family(linked.gradebook)
    second = make_family(linked.gradebook)
    registered_parent(linked, first)
    add_child(linked.client, second.parent_login, second.parent_password)
    link = next(link for link in account("mama@example.org").school_links
                if link.ref == second.parent_ref)
    linked.client.get("/account/school-accounts")
    assert linked.client.post(f"/account/school-accounts/{link.id}/unlink",
                              data={}).status_code == 302
    assert [link.ref for link in account("mama@example.org").school_links] == [first.parent_ref]
    # Someone else's link cannot be removed.
    assert linked.client.post("/account/school-accounts/99999/unlink", data={}).status_code == 404
