"""The signed-in request path: one query answers who is signed in and whether the gate lets
them through, and it never serves an answer older than the request (issue 16).

Server-side sign-out through the same query: tests/gradebook/test_security_sessions.py
(its replayed cookie was remembered as verified by web/session_cookie.py before sign-out).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from gradebook_service.accounts.access import SESSION_KEY
from gradebook_service.accounts.terms import publish_terms
from gradebook_service.extensions import db
from tests.gradebook import accounts_factories as f
from tests.gradebook.test_family_bar import _signed_in_parent
from tests.gradebook.test_register_query_counts import count_queries


def _hello_app(gradebook_app):
    gradebook_app.add_url_rule("/test/hello", "test_hello", lambda: "hello")


def test_signed_in_request_costs_one_query(gradebook_app, gradebook_client):
    _hello_app(gradebook_app)
    school = f.make_school()
    (parent,) = f.parent_accounts(f.make_family(f.make_class(school)))
    f.make_ready(parent)
    f.commit()
    f.sign_in(gradebook_client, parent)
    assert gradebook_client.get("/test/hello").status_code == 200
    with count_queries(db.engine) as statements:
        assert gradebook_client.get("/test/hello").status_code == 200
    # The account, its live session record and the school's current terms version.
    assert len(statements) == 1, statements
    assert "sign_in_session" in statements[0] and "terms_version" in statements[0]


def test_each_request_reads_the_terms_version_afresh(gradebook_app, gradebook_client):
    _hello_app(gradebook_app)
    school = f.make_school()
    (parent,) = f.parent_accounts(f.make_family(f.make_class(school)))
    f.make_ready(parent)
    admin = f.make_staff(school, admin=True)
    f.commit()
    f.sign_in(gradebook_client, parent)
    assert gradebook_client.get("/test/hello").status_code == 200
    publish_terms(school.id, "Wersja druga.", admin)
    f.commit()
    response = gradebook_client.get("/test/hello")
    assert response.status_code == 303 and response.headers["Location"].endswith("/first-login")



def _signed_in(gradebook_app, gradebook_client):
    _hello_app(gradebook_app)
    return _signed_in_parent(gradebook_client)


def test_an_unchanged_session_is_not_signed_and_sent_again(gradebook_app, gradebook_client):
    """A permanent session (as sign-in makes it) that a request did not change sends no cookie."""
    _signed_in(gradebook_app, gradebook_client)
    name = gradebook_app.config["SESSION_COOKIE_NAME"]
    # The first page with a form stores the session's CSRF token: that change is sent.
    first = gradebook_client.get("/family/")
    assert first.status_code == 200 and name in " ".join(first.headers.getlist("Set-Cookie"))
    for path in ("/family/", "/test/hello"):
        response = gradebook_client.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, path


def test_a_remembered_cookie_with_one_byte_changed_opens_nothing(gradebook_app,
                                                                gradebook_client):
    """Only the very cookie string whose signature was checked skips the check."""
    _signed_in(gradebook_app, gradebook_client)
    name = gradebook_app.config["SESSION_COOKIE_NAME"]
    cookie = gradebook_client.get_cookie(name).value
    assert gradebook_client.get("/family/").status_code == 200  # now remembered as verified
    # The signature's first character (its last one may carry only padding bits).
    at = cookie.rindex(".") + 1
    tampered = cookie[:at] + ("A" if cookie[at] != "A" else "B") + cookie[at + 1:]
    other = gradebook_app.test_client()
    other.set_cookie(name, tampered)
    response = other.get("/family/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_remembered_cookie_expires_with_the_session_lifetime(gradebook_app, gradebook_client):
    """The memo of verified cookies checks each cookie's age as the signer would."""
    _signed_in(gradebook_app, gradebook_client)
    name = gradebook_app.config["SESSION_COOKIE_NAME"]
    cookie = gradebook_client.get_cookie(name).value
    interface = gradebook_app.session_interface
    headers = {"Cookie": f"{name}={cookie}"}
    with gradebook_app.test_request_context("/", headers=headers) as ctx:
        assert interface.open_session(gradebook_app, ctx.request)[SESSION_KEY]
        assert cookie in gradebook_app.extensions["session_cookies"]
    later = datetime.now(UTC) + gradebook_app.permanent_session_lifetime + timedelta(minutes=1)
    with time_machine.travel(later, tick=False), \
            gradebook_app.test_request_context("/", headers=headers) as ctx:
        assert SESSION_KEY not in interface.open_session(gradebook_app, ctx.request)
