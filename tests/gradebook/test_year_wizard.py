"""The rollover wizard (a job with progress) and the year switcher's pages: permissions and
constant query counts (issue 14)."""

from __future__ import annotations

import time
from datetime import date

import pytest
import sqlalchemy as sa

from gradebook_service.extensions import db
from gradebook_service.roster.rollover import run_rollover
from gradebook_service.school.keys import find_by_id
from gradebook_service.school.models import Pupil, RolloverJob, SchoolClass, SchoolYear
from tests.gradebook.register_factories import add_register, sign_in
from tests.gradebook.test_register_query_counts import count_queries
from tests.gradebook.year_factories import build_year_school

TODAY = date(2026, 12, 7)


def _wait_for(job_id: int, statuses=("done", "failed")) -> RolloverJob:
    """Wait for the job's thread (bounded; the job is small)."""
    for _ in range(300):
        db.session.expire_all()
        job = find_by_id(RolloverJob, job_id)
        if job.status in statuses:
            return job
        time.sleep(0.1)
    raise AssertionError("the rollover job did not finish")


def test_wizard_shows_the_plan_runs_the_job_and_shows_the_new_year(gradebook_app,
                                                                  gradebook_client):
    world = build_year_school()
    sign_in(gradebook_client, world.staff_accounts["admin"])
    page = gradebook_client.get("/setup/rollover")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'value="2027/2028"' in html
    assert "4a" in html and "5a" in html and "kończy szkołę" in html
    repeating = world.pupils["1a"][0]
    preview = gradebook_client.post("/setup/rollover", data={
        "to_year": "2027/2028", "repeating": [repeating.id], "action": "preview"})
    assert preview.status_code == 200
    assert db.session.execute(sa.select(sa.func.count()).select_from(SchoolYear)).scalar() == 1
    started = gradebook_client.post("/setup/rollover", data={
        "to_year": "2027/2028", "repeating": [repeating.id], "action": "run"})
    assert started.status_code == 303
    public_id = started.headers["Location"].rsplit("/", 1)[1]
    job = db.session.execute(sa.select(RolloverJob).where(
        RolloverJob.public_id == public_id)).scalar_one()
    job = _wait_for(job.id)
    assert job.status == "done", job.error
    status = gradebook_client.get(f"/setup/rollover/jobs/{public_id}/status").get_json()
    assert status["status"] == "done" and status["done"] == status["total"] == 2
    shown = gradebook_client.get(f"/setup/rollover/jobs/{public_id}").get_data(as_text=True)
    assert "rollover-new-year" in shown and "2027/2028" in shown and "5a" in shown
    db.session.expire_all()
    assert find_by_id(Pupil, repeating.id).school_class.name == "4a"
    # The same year again: the wizard refuses with the reason, nothing runs.
    again = gradebook_client.post("/setup/rollover", data={"to_year": "2027/2028",
                                                           "action": "run"})
    assert again.status_code == 422 and "już istnieje" in again.get_data(as_text=True)


def test_a_failed_job_changes_nothing_and_says_so(gradebook_app, gradebook_client):
    world = build_year_school()
    sign_in(gradebook_client, world.staff_accounts["admin"])
    gradebook_client.get("/setup/rollover")
    # Another session makes the year first: the job's own run must then fail cleanly.
    started = gradebook_client.post("/setup/rollover", data={"to_year": "2027/2028",
                                                             "action": "run"})
    public_id = started.headers["Location"].rsplit("/", 1)[1]
    job = db.session.execute(sa.select(RolloverJob).where(
        RolloverJob.public_id == public_id)).scalar_one()
    job = _wait_for(job.id)
    assert job.status == "done"
    second = RolloverJob(school_id=world.school.id, created_by_id=job.created_by_id,
                         to_year="2027/2028", repeating_ids=[], status="pending")
    db.session.add(second)
    db.session.commit()
    from gradebook_service.roster.rollover_jobs import run_job

    run_job(gradebook_app, second.id, TODAY)
    db.session.expire_all()
    second = find_by_id(RolloverJob, second.id)
    assert second.status == "failed" and "2027/2028" in second.error
    assert db.session.execute(sa.select(sa.func.count()).select_from(SchoolYear)).scalar() == 2


def test_someone_elses_job_is_not_found(gradebook_app, gradebook_client):
    world = build_year_school()
    other = build_year_school(name="SP 9")
    job = RolloverJob(school_id=world.school.id,
                      created_by_id=world.staff_accounts["admin"].id, to_year="2027/2028",
                      repeating_ids=[], status="failed", error="stale")
    db.session.add(job)
    db.session.commit()
    sign_in(gradebook_client, other.staff_accounts["admin"])
    assert gradebook_client.get(f"/setup/rollover/jobs/{job.public_id}").status_code == 404
    assert gradebook_client.get(
        f"/setup/rollover/jobs/{job.public_id}/status").status_code == 404
    sign_in(gradebook_client, world.staff_accounts["math"])
    assert gradebook_client.get(f"/setup/rollover/jobs/{job.public_id}").status_code == 403


def _rolled(world) -> None:
    run_rollover(world.school.id, "2027/2028", (), actor="test", today=TODAY)
    db.session.commit()


@pytest.mark.parametrize("who", ["math", "admin", "only_4a", "polish", "parent", "pupil",
                                 "other_admin", "other_parent"])
def test_permission_matrix_of_the_year_switcher(gradebook_app, gradebook_client, who):
    world = build_year_school()
    other = build_year_school(name="SP 9")
    old_class = world.classes["1a"]
    _rolled(world)
    _rolled(other)
    gradebook_app.extensions["school_years"].clear()
    pupil = world.pupils["1a"][0]
    account = {"math": world.staff_accounts["math"], "admin": world.staff_accounts["admin"],
               "only_4a": world.staff_accounts["only_4a"],
               "polish": world.staff_accounts["polish"],
               "parent": world.parent_accounts[pupil.id],
               "pupil": world.pupil_accounts[pupil.id],
               "other_admin": other.staff_accounts["admin"],
               "other_parent": other.parent_accounts[other.pupils["1a"][0].id]}[who]
    sign_in(gradebook_client, account)
    family = gradebook_client.get("/family/archive").status_code
    staff = gradebook_client.get("/staff/archive").status_code
    klass = gradebook_client.get(f"/staff/archive/classes/{old_class.id}").status_code
    family_other_year = gradebook_client.get(
        f"/family/archive?year={other.year.id}").status_code
    is_family = who in ("parent", "pupil", "other_parent")
    assert family == (200 if is_family else 404)
    assert staff == (404 if is_family else 200)
    # Old 4a: taught by math, polish (the factory's teachers teach both classes), only_4a;
    # the admin sees all; families and another school never.
    assert klass == (200 if who in ("math", "admin", "only_4a", "polish") else 404)
    if who in ("parent", "pupil"):  # another school's year id is not theirs
        assert family_other_year == 404
    # Read-only: no page of the switcher takes a POST.
    assert gradebook_client.post("/family/archive", data={}).status_code in (400, 405)
    assert gradebook_client.post(f"/staff/archive/classes/{old_class.id}",
                                 data={}).status_code in (400, 405)


def _count(client, url) -> int:
    client.get(url)
    with client.application.app_context(), count_queries(db.engine) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


@pytest.mark.app_config({"REGISTER_FRAGMENT_CACHE": False})
def test_year_switcher_pages_have_constant_query_counts(gradebook_app, gradebook_client):
    world = build_year_school(pupils_per_class=3)
    pupil = world.pupils["1a"][0]
    old_class = world.classes["1a"]
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    # Before the rollover too: the family page says there is no past year yet.
    assert gradebook_client.get("/family/archive").status_code == 200
    _rolled(world)
    gradebook_app.extensions["school_years"].clear()
    family_url = f"/family/archive?year={world.year.id}"
    class_url = f"/staff/archive/classes/{old_class.id}"
    small_family = _count(gradebook_client, family_url)
    sign_in(gradebook_client, world.staff_accounts["math"])
    small_class = _count(gradebook_client, class_url)
    small_years = _count(gradebook_client, f"/staff/archive?year={world.year.id}")
    add_register(world, scale=8, first_week=5)  # 8× lessons, attendance and grades (old 4a)
    db.session.commit()
    assert _count(gradebook_client, class_url) == small_class
    assert _count(gradebook_client, f"/staff/archive?year={world.year.id}") == small_years
    sign_in(gradebook_client, world.parent_accounts[pupil.id])
    assert _count(gradebook_client, family_url) == small_family
    assert max(small_family, small_class, small_years) <= 20
    assert db.session.execute(sa.select(sa.func.count()).select_from(SchoolClass)).scalar() == 3
