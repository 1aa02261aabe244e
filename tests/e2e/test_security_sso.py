"""The SSO callback with both services as processes: RFC 9207 ``iss`` and ``next`` through the IdP."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests

from tests.e2e.test_sso_gradebook import EMAIL, PASSWORD, _csrf, _family, _link, live_pair  # noqa: F401
from tests.support.redirects import lands_on_this_site

pytestmark = pytest.mark.slow


def _to_callback(browser, idp, gradebook, next_url: str | None = None) -> str:
    """Start SSO, sign in at the IdP; return the callback URL the IdP sends the browser to."""
    params = {"next": next_url} if next_url is not None else {}
    start = browser.get(gradebook.url + "/auth/sso", params=params, allow_redirects=False)
    login_page = browser.get(start.headers["Location"])
    answer = browser.post(login_page.url, data={"csrf_token": _csrf(login_page.text),
                                                "email": EMAIL, "password": PASSWORD},
                          allow_redirects=False)
    while not answer.headers["Location"].startswith(gradebook.url + "/auth/callback"):
        location = answer.headers["Location"]
        answer = browser.get(location if location.startswith("http") else idp.url + location,
                             allow_redirects=False)
    return answer.headers["Location"]


def _with(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.fixture
def family_linked(live_pair, gradebook_app, idp_app):  # noqa: F811
    _link(idp_app, [ref for ref, _ in _family(gradebook_app)])
    return live_pair


def test_a_callback_with_another_issuer_is_refused(family_linked):
    idp, gradebook = family_linked
    browser = requests.Session()
    callback = _to_callback(browser, idp, gradebook)
    assert dict(parse_qsl(urlsplit(callback).query))["iss"] == idp.url
    refused = browser.get(_with(callback, iss="http://evil.example"), allow_redirects=False)
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/login")
    assert browser.get(gradebook.url + "/account", allow_redirects=False).status_code == 302
    # The same for an answer without iss: our IdP always sends it (its metadata says so).
    second = requests.Session()
    parts = urlsplit(_to_callback(second, idp, gradebook))
    without = urlunsplit(parts._replace(query=urlencode(
        [(k, v) for k, v in parse_qsl(parts.query) if k != "iss"])))
    assert second.get(without, allow_redirects=False).headers["Location"].endswith("/login")
    assert second.get(gradebook.url + "/account", allow_redirects=False).status_code == 302


def test_next_through_sso_stays_on_the_register(family_linked):
    idp, gradebook = family_linked
    for target in ("http:/evil.example/x", "//evil.example", "/\\evil.example",
                   "/\t/evil.example", "/%2Fevil.example", "https://evil.example"):
        browser = requests.Session()
        landed = browser.get(_to_callback(browser, idp, gradebook, target), allow_redirects=False)
        assert landed.status_code == 302
        location = landed.headers["Location"]
        assert lands_on_this_site(location) or location.startswith(gradebook.url + "/"), location
        assert "evil" not in location
