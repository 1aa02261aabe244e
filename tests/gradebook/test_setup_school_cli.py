"""``school create|list`` (docs/architecture.md 5.1) and the README's "Starting a school"."""

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from gradebook_service.extensions import db
from gradebook_service.school.models import FreeDay, School, SchoolYear, Term
from tests.gradebook.test_setup_journey import _letters
from tests.support.databases import database_url, drop_schemas

ROOT = Path(__file__).resolve().parents[2]


def _run(gradebook_app, *args):
    return gradebook_app.test_cli_runner().invoke(args=list(args))


def test_create_prints_the_school_and_makes_the_year_with_two_terms(gradebook_app):
    result = _run(gradebook_app, "school", "create", "--name", "Szkoła Podstawowa nr 1 w Pszczynie",
                  "--short-name", "SP1", "--address", "ul. Bogedaina 1, Pszczyna",
                  "--year", "2026/2027")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert set(printed) == {"id", "name", "year"}
    assert printed["name"] == "Szkoła Podstawowa nr 1 w Pszczynie"
    assert printed["year"] == "2026/2027"
    school = db.session.get(School, printed["id"])
    assert (school.short_name, school.address) == ("SP1", "ul. Bogedaina 1, Pszczyna")
    year = db.session.execute(db.select(SchoolYear)).scalar_one()
    assert year.is_current and (year.starts_on.isoformat(), year.ends_on.isoformat()) == (
        "2026-09-01", "2027-06-25")  # 25 June 2027 is the last Friday of June
    terms = db.session.execute(db.select(Term).order_by(Term.number)).scalars().all()
    assert [(t.starts_on.isoformat(), t.ends_on.isoformat()) for t in terms] == [
        ("2026-09-01", "2027-01-31"), ("2027-02-01", "2027-06-25")]
    free = {d.starts_on.isoformat(): d.name for d in db.session.execute(
        db.select(FreeDay)).scalars()}
    assert free["2026-11-11"] == "Narodowe Święto Niepodległości"
    assert free["2026-12-23"] == "Zimowa przerwa świąteczna"
    assert "2027-03-25" in free  # the Thursday before Easter 2027


def test_the_term_boundary_can_be_given(gradebook_app):
    result = _run(gradebook_app, "school", "create", "--name", "SP 2", "--short-name", "SP2",
                  "--year", "2027/2028", "--term2-start", "2028-01-24")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["year"] == "2027/2028"
    first, second = db.session.execute(db.select(Term).order_by(Term.number)).scalars()
    assert (first.ends_on.isoformat(), second.starts_on.isoformat()) == ("2028-01-23",
                                                                         "2028-01-24")
    year = db.session.execute(db.select(SchoolYear)).scalar_one()
    assert year.starts_on.isoformat() == "2027-09-01"


def test_the_same_name_again_is_one_line_and_exit_1(gradebook_app):
    assert _run(gradebook_app, "school", "create", "--name", "SP 3 w Żorach",
                "--short-name", "SP3").exit_code == 0
    again = _run(gradebook_app, "school", "create", "--name", "sp 3 w żorach",
                 "--short-name", "X")
    assert again.exit_code == 1
    assert again.output.strip().count("\n") == 0
    assert "istnieje" in again.output
    assert db.session.execute(db.select(db.func.count()).select_from(School)).scalar_one() == 1


@pytest.mark.parametrize(("args", "words"), [
    (["--year", "2026-2027"], "2026/2027"),
    (["--year", "2026/2028"], "2026/2027"),
    (["--year", "abc"], "2026/2027"),
    (["--term2-start", "1 lutego"], "2027-02-01"),
    (["--year", "2026/2027", "--term2-start", "2026-08-01"], "semestr"),
])
def test_bad_input_is_one_line_and_exit_1_and_creates_nothing(gradebook_app, args, words):
    result = _run(gradebook_app, "school", "create", "--name", "SP 4", "--short-name", "SP4",
                  *args)
    assert result.exit_code == 1, result.output
    assert result.output.strip().count("\n") == 0 and words in result.output
    assert db.session.execute(db.select(db.func.count()).select_from(School)).scalar_one() == 0


def test_list_names_the_schools(gradebook_app):
    assert "no schools yet" in _run(gradebook_app, "school", "list").output
    _run(gradebook_app, "school", "create", "--name", "SP 5", "--short-name", "SP5",
         "--year", "2026/2027")
    _run(gradebook_app, "school", "create", "--name", "SP 6", "--short-name", "SP6",
         "--year", "2026/2027")
    lines = _run(gradebook_app, "school", "list").output.splitlines()
    assert [line.split("\t")[1:] for line in lines] == [["SP 5", "SP5", "2026/2027"],
                                                       ["SP 6", "SP6", "2026/2027"]]
    listed = json.loads(_run(gradebook_app, "school", "list", "--json").output)
    assert [s["name"] for s in listed] == ["SP 5", "SP 6"]


def test_other_commands_ask_for_a_school_only_when_there_are_several(gradebook_app, tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("class,pupil_first_name,pupil_last_name,pupil_birth_date,"
                      "guardian_first_name,guardian_last_name,guardian_email\n"
                      "1a,Łucja,Nowak,2019-03-01,Anna,Nowak,\n", encoding="utf-8")
    nothing = _run(gradebook_app, "roster", "import", str(roster))
    assert nothing.exit_code != 0 and "school create" in nothing.output
    _run(gradebook_app, "school", "create", "--name", "SP 7", "--short-name", "SP7")
    assert _run(gradebook_app, "roster", "import", str(roster)).exit_code == 0
    _run(gradebook_app, "school", "create", "--name", "SP 8", "--short-name", "SP8")
    several = _run(gradebook_app, "roster", "import", str(roster))
    assert several.exit_code != 0 and "--school" in several.output
    assert _run(gradebook_app, "roster", "import", str(roster), "--school", "SP 8"
                ).exit_code == 0


@pytest.mark.slow
def test_starting_a_school_as_the_readme_says(db_backend, tmp_path, request):
    """From an empty database to the first administrator's letter, through the real CLI."""
    url = database_url(db_backend, "readme_gradebook", "x", tmp_path)
    request.addfinalizer(lambda: drop_schemas(db_backend, ["readme_gradebook"], "x"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Starting a school", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^flask --app gradebook_service (.+)$", section, re.MULTILINE)
    assert [c.split()[0:2] for c in commands][:3] == [["db", "upgrade"], ["school", "create"],
                                                      ["accounts", "add-staff"]]
    secret = "readme-test-secret-0123456789abcdef0123456789"
    env = {"PATH": "/usr/bin:/bin", "EDZ_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": secret,
           "GRADEBOOK_DATABASE_URL": url}
    outputs = []
    for command in commands[:3]:
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "gradebook_service",
                                 *shlex.split(command)], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, (command, result.stderr)
        outputs.append(result.stdout)
    school = json.loads(outputs[1])
    assert school["name"] and school["year"]
    letter = tmp_path / "pierwszy-administrator.pdf"
    (login, password), = _letters(letter)
    # The printed password signs the administrator in (then the first-login steps).
    from gradebook_service import create_app
    from tests.conftest import base_config
    from tests.support.client import BrowserLikeClient

    app = create_app({**base_config(url, "gradebook"), "SECRET_KEY": secret})
    app.test_client_class = BrowserLikeClient
    with app.app_context():
        client = app.test_client()
        client.get("/login")
        response = client.post("/login", data={"login": login, "password": password})
        assert response.status_code in (302, 303)
        assert "first-login" in response.headers["Location"] or "second-factor" in \
            response.headers["Location"]
        app.extensions["sqlalchemy"].engine.dispose()
