"""First sign-in: a new password (policy explained), the terms, a recovery e-mail; the gate."""

import re

import pytest

from gradebook_service.accounts.terms import current_terms, publish_terms
from gradebook_service.core.models import OutboxMessage
from gradebook_service.extensions import db
from gradebook_service.school.keys import find_by_id
from tests.gradebook import accounts_factories as f

NEW = "Zielony7Kasztan"


@pytest.fixture
def issued(gradebook_app, gradebook_client):
    """A parent signed in with the password from the letter."""
    school = f.make_school()
    (parent,) = f.parent_accounts(f.make_family(f.make_class(school)))
    password = f.issue(parent)
    f.commit()
    gradebook_client.get("/login?lang=en")
    response = gradebook_client.post("/login", data={"login": parent.login, "password": password})
    assert response.headers["Location"].endswith("/first-login")
    gradebook_client.get("/first-login")
    return parent, password


def _concrete_urls(app):
    """Every GET-able route with sample values for its arguments."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static",) or rule.endpoint.endswith(".static"):
            continue
        values = {arg: 1 if "id" in arg else "x" for arg in rule.arguments}
        url = rule.rule
        for arg, value in values.items():
            url = re.sub(r"<(?:[^:>]+:)?" + arg + ">", str(value), url)
        urls.append((url, sorted(rule.methods - {"HEAD", "OPTIONS"})))
    return urls


def test_the_gate_lets_nothing_else_through(gradebook_app, gradebook_client, issued):
    allowed = {"/first-login", "/logout", "/login", "/terms", "/auth/callback", "/healthz"}
    gradebook_client.get("/first-login")  # a valid CSRF token: posts reach the gate
    checked = 0
    for url, methods in _concrete_urls(gradebook_app):
        if url in allowed or url.startswith(("/account/email/verify/", "/internal/")):
            continue
        for method in methods:
            response = gradebook_client.open(url, method=method, data={})
            assert response.status_code in (303, 403), (method, url, response.status_code)
            if response.status_code == 303:
                assert response.headers["Location"].endswith("/first-login"), url
            checked += 1
    assert checked > 10


def test_first_login_page_has_the_fields_and_the_live_hint(gradebook_client, issued):
    page = gradebook_client.get("/first-login").data.decode()
    for name in ("new_password", "new_password_confirm", "accept_terms", "email", "csrf_token"):
        assert f'name="{name}"' in page
    assert 'data-password-hint="new-password-rules"' in page
    assert "password-hint.js" in page
    assert ". , ? !" in page
    assert "<script>" not in page and "style=" not in page


@pytest.mark.parametrize(("password", "expected"), [
    ("short1A", "at least 8 characters"),
    ("alllowercase1", "upper-case letter"),
    ("ALLUPPERCASE1", "lower-case letter"),
    ("NoDigitsHere", "one digit"),
    ("Password1", "most common passwords"),
])
def test_each_failed_rule_is_explained(gradebook_client, issued, password, expected):
    response = gradebook_client.post("/first-login", data={
        "new_password": password, "new_password_confirm": password, "accept_terms": "y"})
    assert response.status_code == 200
    assert expected in response.data.decode()
    assert b"Please correct the problems" in response.data


def test_every_rule_is_listed_at_once(gradebook_client, issued):
    page = gradebook_client.post("/first-login", data={
        "new_password": "abc", "new_password_confirm": "abd"}).data.decode()
    for text in ("at least 8 characters", "upper-case letter", "one digit",
                 "The two passwords differ", "accept the terms"):
        assert text in page


def test_password_containing_the_login_is_refused(gradebook_client, issued):
    parent, _ = issued
    password = f"Ab{parent.login}"
    page = gradebook_client.post("/first-login", data={
        "new_password": password, "new_password_confirm": password,
        "accept_terms": "y"}).data.decode()
    assert "must not contain your login" in page


def test_discouraged_characters_warn_but_pass(gradebook_app, gradebook_client, issued):
    parent, _ = issued
    response = gradebook_client.post("/first-login", data={
        "new_password": "Zielony7Kasztan!", "new_password_confirm": "Zielony7Kasztan!",
        "accept_terms": "y"})
    assert response.status_code == 302


def test_terms_must_be_accepted(gradebook_client, issued):
    page = gradebook_client.post("/first-login", data={
        "new_password": NEW, "new_password_confirm": NEW}).data.decode()
    assert "You must accept the terms" in page


def test_completing_first_login_opens_the_register(gradebook_app, gradebook_client, issued):
    parent, old_password = issued
    response = gradebook_client.post("/first-login", data={
        "new_password": NEW, "new_password_confirm": NEW, "accept_terms": "y",
        "email": "rodzic@example.org"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert gradebook_client.get("/account").status_code == 200
    db.session.expire_all()
    account = find_by_id(type(parent), parent.id)
    assert account.must_change_password is False
    assert account.terms_version_accepted == current_terms(account.school_id).version
    assert account.recovery_email == "rodzic@example.org"
    assert account.recovery_email_verified_at is None
    mail = db.session.execute(db.select(OutboxMessage)).scalar_one()
    assert mail.recipient == "rodzic@example.org"
    # The issued password no longer works; the new one does.
    client2 = gradebook_app.test_client()
    client2.get("/login?lang=en")
    assert client2.post("/login", data={"login": parent.login,
                                        "password": old_password}).status_code == 401
    assert client2.post("/login", data={"login": parent.login,
                                        "password": NEW}).status_code == 302


def test_recovery_email_is_verified_by_the_mailed_link(gradebook_app, gradebook_client, issued):
    parent, _ = issued
    gradebook_client.post("/first-login", data={
        "new_password": NEW, "new_password_confirm": NEW, "accept_terms": "y",
        "email": "rodzic@example.org"})
    mail = db.session.execute(db.select(OutboxMessage)).scalar_one()
    link = re.search(r"http://\S+", mail.body_text).group(0)
    path = link.split("localhost", 1)[-1]
    assert gradebook_client.get(path).status_code == 200  # a page with a button
    db.session.expire_all()
    assert find_by_id(type(parent), parent.id).recovery_email_verified_at is None
    assert gradebook_client.post(path, data={}).status_code == 302
    db.session.expire_all()
    assert find_by_id(type(parent), parent.id).recovery_email_verified_at is not None
    assert gradebook_client.post(path, data={}).status_code == 400  # works once


def test_a_new_terms_version_asks_again(gradebook_app, gradebook_client):
    school = f.make_school()
    (parent,) = f.parent_accounts(f.make_family(f.make_class(school)))
    f.make_ready(parent)
    admin = f.make_staff(school, admin=True)
    f.commit()
    f.sign_in(gradebook_client, parent)
    assert gradebook_client.get("/account").status_code == 200
    publish_terms(school.id, "Nowy regulamin, wersja 2.", admin)
    f.commit()
    response = gradebook_client.get("/account")
    assert response.status_code == 303 and response.headers["Location"].endswith("/first-login")
    page = gradebook_client.get("/first-login").data.decode()
    assert "Nowy regulamin, wersja 2." in page
    assert 'name="new_password"' not in page  # only the terms this time
    assert gradebook_client.post("/first-login", data={"accept_terms": "y"}).status_code == 302
    assert gradebook_client.get("/account").status_code == 200


def test_admin_publishes_terms_from_the_page(gradebook_app, gradebook_client):
    school = f.make_school()
    admin = f.make_staff(school, admin=True)
    f.commit()
    f.sign_in(gradebook_client, admin)
    gradebook_client.get("/admin/terms")
    response = gradebook_client.post("/admin/terms", data={"body": "Wersja druga"})
    assert response.status_code == 303
    assert current_terms(school.id).version == 2
    # The admin too must accept the new version before anything else.
    assert gradebook_client.get("/admin/terms").status_code == 303


def test_sso_sessions_are_asked_for_the_terms_only(gradebook_app, gradebook_client):
    from gradebook_service.accounts.access import SESSION_KEY, SESSION_VERSION_KEY, open_session
    from shared.session_records import SID_KEY

    school = f.make_school()
    (parent,) = f.parent_accounts(f.make_family(f.make_class(school)))
    f.issue(parent)  # still on the issued password, never used
    sid = open_session(parent)
    f.commit()
    with gradebook_client.session_transaction() as session:
        session[SESSION_KEY] = parent.id
        session[SESSION_VERSION_KEY] = parent.session_version
        session[SID_KEY] = sid
        session["auth_method"] = "sso"
    assert gradebook_client.get("/account").headers["Location"].endswith("/first-login")
    page = gradebook_client.get("/first-login").data.decode()
    assert 'name="accept_terms"' in page and 'name="new_password"' not in page
    assert gradebook_client.post("/first-login", data={"accept_terms": "y"}).status_code == 302
    assert gradebook_client.get("/account").status_code == 200
