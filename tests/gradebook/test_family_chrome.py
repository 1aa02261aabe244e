"""The family layout around a cached page is rendered once per language, account and child,
and never shows one family another's header (issue 16, gradebook_service/web/chrome.py)."""

from __future__ import annotations

import re

from gradebook_service.extensions import db
from gradebook_service.school.keys import get_owned
from gradebook_service.school.models import Guardian
from tests.gradebook import accounts_factories as f


def _without_tokens(page: str) -> str:
    """The page without its CSRF tokens (signed with a timestamp: they differ per request)."""
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token"', page)


def _family(school_class, first: str, last: str):
    pupil = f.make_family(school_class, first=first, last=last)
    (parent,) = f.parent_accounts(pupil)
    f.make_ready(parent)
    return pupil, parent


def test_two_families_each_see_only_their_own_header_and_child(gradebook_app):
    school = f.make_school()
    school_class = f.make_class(school)
    first_pupil, first_parent = _family(school_class, "Zofia", "Nowak")
    second_pupil, second_parent = _family(school_class, "Jan", "Kowalczyk")
    f.commit()
    pages = {}
    for parent in (first_parent, second_parent, first_parent):
        client = gradebook_app.test_client()
        f.sign_in(client, parent)
        client.get("/family/grades")
        pages.setdefault(parent.id, []).append(client.get("/family/grades").get_data(as_text=True))
    for parent, pupil, other_parent, other_pupil in (
            (first_parent, first_pupil, second_parent, second_pupil),
            (second_parent, second_pupil, first_parent, first_pupil)):
        for page in pages[parent.id]:
            assert parent.display_name in page and pupil.full_name in page
            assert other_parent.display_name not in page
            assert other_pupil.full_name not in page


def test_the_cached_layout_is_the_page_rendered_in_full(gradebook_app, gradebook_client):
    _pupil, parent = _family(f.make_class(f.make_school()), "Zofia", "Nowak")
    f.commit()
    f.sign_in(gradebook_client, parent)
    gradebook_client.get("/family/grades")  # records the visit, stores the CSRF token
    cached = gradebook_client.get("/family/grades").get_data(as_text=True)
    gradebook_app.config["REGISTER_FRAGMENT_CACHE"] = False
    full = gradebook_client.get("/family/grades").get_data(as_text=True)
    assert "__edz_" not in cached
    assert _without_tokens(cached) == _without_tokens(full)
    token = re.search(r'name="csrf_token" value="([^"]+)"', cached).group(1)
    assert gradebook_client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_a_renamed_parent_sees_the_new_name_at_once(gradebook_app, gradebook_client):
    _pupil, parent = _family(f.make_class(f.make_school()), "Zofia", "Nowak")
    f.commit()
    f.sign_in(gradebook_client, parent)
    before = parent.display_name
    assert before in gradebook_client.get("/family/grades").get_data(as_text=True)
    guardian = get_owned(Guardian, parent.school_id, parent.guardianship.guardian_id)
    guardian.first_name = "Bożena"
    f.commit()
    db.session.expire_all()
    after = parent.display_name
    assert after != before
    page = gradebook_client.get("/family/grades").get_data(as_text=True)
    assert after in page and before not in page


def test_flashed_messages_and_the_language_reach_the_cached_layout(gradebook_app,
                                                                   gradebook_client):
    _pupil, parent = _family(f.make_class(f.make_school()), "Zofia", "Nowak")
    f.commit()
    f.sign_in(gradebook_client, parent)
    gradebook_client.get("/family/grades")
    assert '<html lang="pl">' in gradebook_client.get("/family/grades").get_data(as_text=True)
    with gradebook_client.session_transaction() as session:
        session["_flashes"] = [("info", "Zapisano zmiany.")]
    assert "Zapisano zmiany." in gradebook_client.get("/family/grades").get_data(as_text=True)
    gradebook_client.set_cookie("lang", "uk")
    assert '<html lang="uk">' in gradebook_client.get("/family/grades").get_data(as_text=True)
