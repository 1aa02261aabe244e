"""The family bar is rendered once per language and page, never stale (issue 16)."""

from __future__ import annotations

import re

from tests.gradebook import accounts_factories as f


def _signed_in_parent(gradebook_client):
    school = f.make_school()
    (parent,) = f.parent_accounts(f.make_family(f.make_class(school)))
    f.make_ready(parent)
    f.commit()
    f.sign_in(gradebook_client, parent)
    return parent


def _bar(page: str) -> str:
    return re.search(r'<nav class="family-bar".*?</nav>', page, re.S).group(0)


def _without_token(bar: str) -> str:
    """The bar without its CSRF token (signed with a timestamp: it differs per request)."""
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token"', bar)


def test_language_switch_shows_the_bar_in_the_new_language(gradebook_app, gradebook_client):
    _signed_in_parent(gradebook_client)
    polish = _bar(gradebook_client.get("/family/pupil").get_data(as_text=True))
    assert "Organizacja" in polish and "Wyloguj" in polish
    gradebook_client.set_cookie("lang", "uk")
    ukrainian = _bar(gradebook_client.get("/family/pupil").get_data(as_text=True))
    assert "Організація" in ukrainian and "Вийти" in ukrainian
    assert "Organizacja" not in ukrainian
    gradebook_client.set_cookie("lang", "pl")
    again = _bar(gradebook_client.get("/family/pupil").get_data(as_text=True))
    assert _without_token(again) == _without_token(polish)


def test_the_highlighted_entry_follows_the_page(gradebook_app, gradebook_client):
    _signed_in_parent(gradebook_client)
    pupil = _bar(gradebook_client.get("/family/pupil").get_data(as_text=True))
    organisation = _bar(gradebook_client.get("/family/organisation").get_data(as_text=True))
    assert re.search(r'/family/pupil"\s+aria-current="page"', pupil)
    assert not re.search(r'/family/pupil"\s+aria-current="page"', organisation)
    assert re.search(r'/family/organisation"\s+aria-current="page"', organisation)


def test_each_session_gets_its_own_csrf_token_in_the_cached_bar(gradebook_app, gradebook_client):
    _signed_in_parent(gradebook_client)
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      _bar(gradebook_client.get("/family/pupil").get_data(as_text=True))).group(1)
    assert "__edz_csrf_token__" not in token
    other = gradebook_app.test_client()
    _signed_in_parent(other)
    other_token = re.search(r'name="csrf_token" value="([^"]+)"',
                            _bar(other.get("/family/pupil").get_data(as_text=True))).group(1)
    assert other_token != token
    # The sign-out form of the bar works with the token put in.
    response = gradebook_client.post("/logout", data={"csrf_token": token})
    assert response.status_code in (302, 303)
    assert gradebook_client.get("/family/pupil").status_code in (302, 303)
