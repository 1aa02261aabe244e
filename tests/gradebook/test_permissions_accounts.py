"""Permission matrix: every role against other families', classes' and schools' data."""

import pytest
from flask import g

from gradebook_service.accounts.access import (
    can_see_pupil,
    sign_in,
    staff_class_ids_query,
    visible_pupil_ids_query,
)
from gradebook_service.extensions import db
from tests.gradebook import accounts_factories as f


@pytest.fixture
def world(gradebook_app):
    """Two schools; in school A classes 1a (homeroom H1, taught by T) and 2a (homeroom H2)."""
    a = f.make_school()
    h1, h2, t = f.make_staff(a), f.make_staff(a), f.make_staff(a)
    admin = f.make_staff(a, admin=True)
    secretary = f.make_staff(a, secretary=True, teacher=False)
    c1 = f.make_class(a, "1a", homeroom=h1.staff)
    c2 = f.make_class(a, "2a", homeroom=h2.staff)
    f.teach(t, c1)
    p1 = f.make_family(c1, guardians=2)
    p1_sibling = f.make_family(c1)
    p2 = f.make_family(c2)
    b = f.make_school()
    cb = f.make_class(b, "1a", homeroom=f.make_staff(b).staff)
    pb = f.make_family(cb)
    b_admin = f.make_staff(b, admin=True)
    parent1, parent1b = f.parent_accounts(p1)
    for acc in (parent1, parent1b, f.pupil_account(p1)):
        f.make_ready(acc)
    f.commit()
    return dict(a=a, b=b, h1=h1, h2=h2, t=t, admin=admin, secretary=secretary, c1=c1, c2=c2,
                cb=cb, p1=p1, p1_sibling=p1_sibling, p2=p2, pb=pb, b_admin=b_admin,
                parent1=parent1, parent1b=parent1b, pupil1=f.pupil_account(p1))


# who → which pupils they may see (everyone else must be refused)
MATRIX = {
    "parent1": {"p1"},
    "parent1b": {"p1"},
    "pupil1": {"p1"},
    "t": {"p1", "p1_sibling"},
    "h1": {"p1", "p1_sibling"},
    "h2": {"p2"},
    "admin": {"p1", "p1_sibling", "p2"},
    "secretary": {"p1", "p1_sibling", "p2"},
    "b_admin": {"pb"},
}
PUPILS = ("p1", "p1_sibling", "p2", "pb")


@pytest.mark.parametrize("who", sorted(MATRIX))
def test_pupil_visibility_matrix(world, who):
    account = world[who]
    visible = set(db.session.execute(visible_pupil_ids_query(account)).scalars())
    for name in PUPILS:
        pupil = world[name]
        allowed = name in MATRIX[who]
        assert can_see_pupil(account, pupil) is allowed, (who, name)
        assert (pupil.id in visible) is allowed, (who, name)


def test_staff_class_scopes(world):
    def classes(who):
        return set(db.session.execute(staff_class_ids_query(world[who])).scalars())
    assert classes("t") == {world["c1"].id}
    assert classes("h2") == {world["c2"].id}
    assert classes("admin") == {world["c1"].id, world["c2"].id}
    assert world["cb"].id not in classes("secretary")


@pytest.mark.parametrize("who", sorted(MATRIX))
def test_get_pupil_or_404_matrix(gradebook_app, world, who):
    from werkzeug.exceptions import NotFound

    from gradebook_service.accounts.access import get_pupil_or_404

    account = world[who]
    for name in PUPILS:
        with gradebook_app.test_request_context("/"):
            sign_in(account)
            g.pop("current_account", None)
            if name in MATRIX[who]:
                assert get_pupil_or_404(world[name].id).id == world[name].id
            else:
                with pytest.raises(NotFound):
                    get_pupil_or_404(world[name].id)


# Office pages: class detail (logins of a class's families).
CLASS_PAGE = {  # who → {class: expected status}
    "parent1": {"c1": 403, "c2": 403, "cb": 403},
    "pupil1": {"c1": 403, "c2": 403, "cb": 403},
    "t": {"c1": 403, "c2": 403, "cb": 403},  # teaches 1a but does not lead it
    "h1": {"c1": 200, "c2": 404, "cb": 404},
    "h2": {"c1": 404, "c2": 200, "cb": 404},
    "secretary": {"c1": 200, "c2": 200, "cb": 404},
    "admin": {"c1": 200, "c2": 200, "cb": 404},
    "b_admin": {"c1": 404, "c2": 404, "cb": 200},
}


@pytest.mark.parametrize("who", sorted(CLASS_PAGE))
def test_class_pages_matrix(gradebook_app, world, who):
    client = gradebook_app.test_client()
    f.sign_in(client, world[who])
    for name, expected in CLASS_PAGE[who].items():
        response = client.get(f"/admin/classes/{world[name].id}")
        assert response.status_code == expected, (who, name, response.status_code)
    if CLASS_PAGE[who]["c1"] == 200:
        page = client.get(f"/admin/classes/{world['c1'].id}").data.decode()
        assert world["parent1"].login in page
        assert world["p2"].full_name not in page


@pytest.mark.parametrize("who", ["parent1", "pupil1", "t", "h1", "secretary"])
def test_admin_only_pages_refuse_others(gradebook_app, world, who):
    client = gradebook_app.test_client()
    f.sign_in(client, world[who])
    for url in ("/admin/roster", "/admin/letters", "/admin/terms", "/admin/staff"):
        assert client.get(url).status_code == 403, (who, url)


@pytest.mark.parametrize("who", ["parent1", "pupil1", "t", "h1"])
def test_handover_is_for_the_office(gradebook_app, world, who):
    client = gradebook_app.test_client()
    f.sign_in(client, world[who])
    assert client.get("/admin/handover").status_code == 403


def test_admin_cannot_act_on_another_schools_data(gradebook_app, world):
    from gradebook_service.letters.services import Selection, print_letters

    print_letters(world["a"].id, Selection(pupil_id=world["p2"].id), None)
    f.commit()
    from gradebook_service.accounts.models import LetterIssue

    letter = db.session.execute(db.select(LetterIssue)).scalars().first()
    client = gradebook_app.test_client()
    f.sign_in(client, world["b_admin"])
    client.get("/admin/handover")
    assert client.post(f"/admin/handover/{letter.id}", data={}).status_code == 404
    client.get("/admin/letters?lang=en")
    response = client.post("/admin/letters", data={"pupil_id": world["p1"].id})
    assert response.status_code == 400 and b"No such pupil" in response.data
    client.get("/admin/reset-requests?lang=en")
    response = client.post("/admin/reset-requests", data={"login": world["parent1"].login})
    assert response.status_code == 400


def test_families_cannot_reach_office_pages(gradebook_app, world):
    client = gradebook_app.test_client()
    f.sign_in(client, world["parent1"])
    for url in ("/admin/classes", "/admin/reset-requests", "/admin/handover"):
        assert client.get(url).status_code == 403, url
