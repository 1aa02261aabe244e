"""seed-demo: runs twice without duplicates and prints logins that really work."""

import json

import pyotp
import sqlalchemy as sa

from gradebook_service.accounts.models import SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.school.models import Guardian, Pupil, School, StaffMember


def _counts():
    return tuple(db.session.execute(sa.select(sa.func.count()).select_from(m)).scalar_one()
                 for m in (School, Pupil, Guardian, StaffMember, SchoolAccount))


#: A small school keeps the test quick; the default (the full 8 x 2 x 22-26 school) is
#: what the demo loads.
SMALL = ["--levels", "1,4,7", "--sections", "a", "--pupils-per-class", "6"]


def _seed(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--json", *SMALL])
    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.index("["):])


def test_seed_demo_is_idempotent_and_its_logins_work(gradebook_app):
    first = _seed(gradebook_app)
    counts = _counts()
    second = _seed(gradebook_app)
    assert _counts() == counts
    assert first == second  # passwords derive from the instance secret: same printout
    school = db.session.execute(sa.select(School)).scalar_one()
    assert school.name == "Szkoła Podstawowa nr 5 w Żorach"
    roles = {entry["role"] for entry in second}
    assert {"admin", "secretary", "teacher", "parent", "pupil"} <= roles
    assert any(e.get("homeroom_class") for e in second)
    families = [e for e in second if e["role"] in ("parent", "pupil")]
    assert all(e["pupil"] and e["class"] for e in families)
    mother = [e for e in families if "two children" in (e.get("note") or "")]
    assert len(mother) == 2 and len({e["login"] for e in mother}) == 2
    # Only the printed demo accounts have passwords: nothing hashed for the others.
    with_password = db.session.execute(sa.select(sa.func.count()).select_from(SchoolAccount)
                                       .where(SchoolAccount.password_hash.is_not(None))).scalar()
    assert with_password == len(second)
    for entry in second:
        client = gradebook_app.test_client()
        client.get("/login")
        response = client.post("/login", data={"login": entry["login"],
                                               "password": entry["password"]})
        assert response.status_code == 302, entry["login"]
        location = response.headers["Location"]
        if entry.get("totp_secret"):
            assert location.endswith("/login/second-factor")
            client.get(location)
            response = client.post("/login/second-factor", data={
                "code": pyotp.TOTP(entry["totp_secret"]).now()})
            assert response.status_code == 302
            assert not response.headers["Location"].endswith(("/first-login", "/setup"))
        elif entry["must_change_password"]:
            assert location.endswith("/first-login")
        else:
            assert not location.endswith("/first-login"), entry


def test_seed_demo_prints_a_table(gradebook_app):
    result = gradebook_app.test_cli_runner().invoke(args=["seed-demo", *SMALL])
    assert result.exit_code == 0, result.output
    assert "Szkoła Podstawowa nr 5 w Żorach" in result.output
    assert "TOTP secret" in result.output and "first sign-in" in result.output
