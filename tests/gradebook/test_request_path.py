"""The signed-in request path: one query answers who is signed in and whether the gate lets
them through, and it never serves an answer older than the request (issue 16).

Server-side sign-out through the same query: tests/gradebook/test_security_sessions.py.
"""

from __future__ import annotations

from gradebook_service.accounts.terms import publish_terms
from gradebook_service.extensions import db
from tests.gradebook import accounts_factories as f
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

