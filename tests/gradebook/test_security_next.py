"""Every ``next`` of the register refuses the open-redirect corpus: /login and the second factor."""

import pyotp
import pytest
from werkzeug.urls import iri_to_uri

from tests.gradebook import accounts_factories as f
from tests.support.redirects import FOREIGN_TARGETS, LOCAL_TARGETS, lands_on_this_site


def _post_login(client, account, target):
    client.get("/login", query_string={"next": target})
    return client.post("/login", query_string={"next": target},
                       data={"login": account.login, "password": f.PASSWORD})


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_post_login_stays_on_the_register(gradebook_app, gradebook_client, target):
    school = f.make_school()
    parent = f.parent_accounts(f.make_family(f.make_class(school)))[0]
    f.make_ready(parent)
    f.commit()
    response = _post_login(gradebook_client, parent, target)
    assert response.status_code == 302
    assert lands_on_this_site(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_second_factor_step_stays_on_the_register(gradebook_app, gradebook_client, target):
    teacher = f.make_staff(f.make_school())
    f.commit()
    first = _post_login(gradebook_client, teacher, target)
    assert first.headers["Location"].endswith("/login/second-factor")
    gradebook_client.get("/login/second-factor")
    response = gradebook_client.post("/login/second-factor",
                                     data={"code": pyotp.TOTP(f.TOTP_SECRETS[teacher.id]).now()})
    assert response.status_code == 302
    assert lands_on_this_site(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", LOCAL_TARGETS[1:])
def test_a_local_next_is_followed(gradebook_app, gradebook_client, target):
    school = f.make_school()
    parent = f.parent_accounts(f.make_family(f.make_class(school)))[0]
    f.make_ready(parent)
    f.commit()
    assert _post_login(gradebook_client, parent, target).headers["Location"] == iri_to_uri(target)
