"""The IdP unreachable: school logins still work in the register; SSO says so in Polish."""

from __future__ import annotations

import pytest

from gradebook_service.extensions import db
from shared.mailcatcher import free_port
from tests.gradebook.accounts_factories import (
    make_class,
    make_family,
    make_ready,
    make_school,
    parent_accounts,
    sign_in,
)

#: Nothing listens here: every connection to "the IdP" is refused.
NO_IDP = f"http://127.0.0.1:{free_port()}"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60),
              pytest.mark.one_backend("what fails is the IdP; the register's school sign-in runs "
                                      "on both engines in tests/gradebook"),
              pytest.mark.app_config({"IDP_ISSUER": NO_IDP, "GRADEBOOK_OIDC_CLIENT_ID": "gradebook",
                                      "GRADEBOOK_OIDC_CLIENT_SECRET": "client-secret"})]

UNAVAILABLE = ("Logowanie przez KONTO jest teraz niedostępne. Zaloguj się loginem i hasłem "
               "ze szkoły albo spróbuj później.")


def test_sso_explains_and_the_school_login_works(gradebook_client):
    account = parent_accounts(make_family(make_class(make_school())))[0]
    make_ready(account)
    db.session.commit()

    login_page = gradebook_client.get("/login").get_data(as_text=True)
    assert "/auth/sso" in login_page  # SSO is offered: the register does not know the IdP is down
    response = gradebook_client.get("/auth/sso")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    page = gradebook_client.get("/login").get_data(as_text=True)
    assert UNAVAILABLE in page

    response = sign_in(gradebook_client, account)
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    assert gradebook_client.get("/family/grades").status_code == 200
