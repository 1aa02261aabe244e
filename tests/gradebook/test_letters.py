"""Welcome letters: PDF content (read back with pypdf), passwords that work, batches, jobs."""

import io
import re
import time

import pytest
from pypdf import PdfReader

from gradebook_service.accounts.models import LetterIssue, LetterJob, SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.letters.services import Selection, print_letters
from tests.gradebook import accounts_factories as f


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _credentials(text: str) -> list[tuple[str, str]]:
    logins = re.findall(r"Login:\s*(\d{7}u?)", text)
    passwords = re.findall(r"(?:Hasło|Password):\s*(\S+)", text)
    return list(zip(logins, passwords, strict=True))


@pytest.fixture
def family(gradebook_app):
    school = f.make_school("Szkoła Podstawowa nr 5 w Żorach")
    school_class = f.make_class(school, "1a")
    pupil = f.make_family(school_class, guardians=2, first="Łucja", last="Żółkiewska")
    f.commit()
    return school, pupil


def test_letter_pdf_has_one_page_per_guardian_with_diacritics(gradebook_app, family):
    school, pupil = family
    result = print_letters(school.id, Selection(class_name="1a"), None)
    f.commit()
    pages = _pages(result.pdf)
    assert len(pages) == 2 == result.pages
    first, second = pages
    assert "Szkoła Podstawowa nr 5 w Żorach" in first
    assert "Łucja Żółkiewska" in first and "1a" in first
    assert "Potwierdzam odbiór loginu i hasła" in first
    assert "Przeglądaj wygodnie" in first
    (parent_1, parent_2) = f.parent_accounts(pupil)
    own = f.pupil_account(pupil)
    creds_1, creds_2 = _credentials(first), _credentials(second)
    assert [c[0] for c in creds_1] == [parent_1.login, own.login]  # pupil's only on page 1
    assert [c[0] for c in creds_2] == [parent_2.login]
    assert parent_2.guardianship.guardian.full_name in second


def test_printed_password_works_once_then_must_be_changed(gradebook_app, gradebook_client,
                                                          family):
    school, pupil = family
    result = print_letters(school.id, Selection(pupil_id=pupil.id), None)
    f.commit()
    login, password = _credentials(_pages(result.pdf)[0])[0]
    account = db.session.execute(db.select(SchoolAccount).where(
        SchoolAccount.login == login)).scalar_one()
    assert account.password_hash and password not in account.password_hash
    gradebook_client.get("/login")
    response = gradebook_client.post("/login", data={"login": login, "password": password})
    assert response.headers["Location"].endswith("/first-login")
    gradebook_client.get("/first-login")
    gradebook_client.post("/first-login", data={"new_password": "Zielony7Kasztan",
                                                "new_password_confirm": "Zielony7Kasztan",
                                                "accept_terms": "y"})
    other = gradebook_app.test_client()
    other.get("/login")
    assert other.post("/login", data={"login": login, "password": password}).status_code == 401


def test_reprinting_replaces_the_password_and_voids_the_old_letter(gradebook_app, family):
    school, pupil = family
    first = print_letters(school.id, Selection(pupil_id=pupil.id), None)
    second = print_letters(school.id, Selection(pupil_id=pupil.id), None)
    f.commit()
    login, old = _credentials(_pages(first.pdf)[0])[0]
    _, new = _credentials(_pages(second.pdf)[0])[0]
    assert old != new
    account = db.session.execute(db.select(SchoolAccount).where(
        SchoolAccount.login == login)).scalar_one()
    letters = db.session.execute(db.select(LetterIssue).where(
        LetterIssue.account_id == account.id).order_by(LetterIssue.id)).scalars().all()
    assert letters[0].superseded_at is not None and letters[1].superseded_at is None


def test_batches_skip_families_already_using_their_own_password(gradebook_app, family):
    school, pupil = family
    parent_1, _ = f.parent_accounts(pupil)
    f.make_ready(parent_1)
    f.commit()
    result = print_letters(school.id, Selection(class_name="1a"), None)
    logins = [c[0] for page in _pages(result.pdf) for c in _credentials(page)]
    assert parent_1.login not in logins and len(logins) == 2
    result = print_letters(school.id, Selection(class_name="1a", include_active=True), None)
    logins = [c[0] for page in _pages(result.pdf) for c in _credentials(page)]
    assert parent_1.login in logins


def test_new_since_selects_the_new_intake(gradebook_app, family):
    from datetime import date

    school, pupil = family
    newcomer = f.make_family(pupil.school_class, joined_on=date(2026, 10, 5), first="Nowy")
    f.commit()
    result = print_letters(school.id, Selection(new_since=date(2026, 10, 1)), None)
    text = "".join(_pages(result.pdf))
    assert newcomer.full_name in text and pupil.full_name not in text


def test_cli_prints_a_class(gradebook_app, family, tmp_path):
    out = tmp_path / "letters.pdf"
    result = gradebook_app.test_cli_runner().invoke(
        args=["letters", "print", "--class", "1a", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 letters" in result.output
    assert len(_pages(out.read_bytes())) == 2
    assert db.session.execute(db.select(db.func.count()).select_from(LetterIssue)).scalar_one() == 3
    result = gradebook_app.test_cli_runner().invoke(
        args=["letters", "print", "--class", "9x", "--out", str(out)])
    assert result.exit_code != 0 and "no class 9x" in result.output


def test_web_batch_runs_in_the_background_and_downloads_once(gradebook_app, gradebook_client,
                                                             family):
    school, pupil = family
    admin = f.make_staff(school, admin=True)
    f.commit()
    f.sign_in(gradebook_client, admin)
    gradebook_client.get("/admin/letters")
    response = gradebook_client.post("/admin/letters", data={"class_name": "1a"})
    assert response.status_code == 303
    job_url = response.headers["Location"]
    page = gradebook_client.get(job_url).data.decode()
    assert "letter-job.js" in page and "<script>" not in page
    status = None
    for _ in range(200):
        status = gradebook_client.get(job_url + "/status").json
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert status["status"] == "done", status
    assert status["done"] == status["total"] > 0
    gradebook_client.get(job_url)
    response = gradebook_client.post(job_url + "/download", data={})
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert len(_pages(response.data)) == 2
    job = db.session.execute(db.select(LetterJob)).scalar_one()
    db.session.refresh(job)
    assert job.pdf_encrypted is None and job.downloaded_at is not None
    gradebook_client.get(job_url)
    again = gradebook_client.post(job_url + "/download", data={})
    assert again.status_code == 302  # erased after the first download
    printed = db.session.execute(db.select(LetterIssue)).scalars().all()
    assert {p.printed_by_id for p in printed} == {admin.id}


def test_another_admin_cannot_see_the_job(gradebook_app, gradebook_client, family):
    school, _ = family
    admin = f.make_staff(school, admin=True)
    other = f.make_staff(school, admin=True)
    f.commit()
    from gradebook_service.letters import jobs

    job = jobs.create_job(school.id, admin, Selection(class_name="1a"), "1a")
    f.commit()
    f.sign_in(gradebook_client, other)
    assert gradebook_client.get(f"/admin/letters/jobs/{job.public_id}").status_code == 404
    assert gradebook_client.get(f"/admin/letters/jobs/{job.public_id}/status").status_code == 404


def test_secretary_records_the_signed_handover(gradebook_app, gradebook_client, family):
    school, pupil = family
    secretary = f.make_staff(school, secretary=True, teacher=False)
    print_letters(school.id, Selection(pupil_id=pupil.id), None)
    f.commit()
    f.sign_in(gradebook_client, secretary)
    page = gradebook_client.get("/admin/handover").data.decode()
    letter = db.session.execute(db.select(LetterIssue).order_by(LetterIssue.id)).scalars().first()
    assert letter.account.login in page
    response = gradebook_client.post(f"/admin/handover/{letter.id}",
                                     data={"received_by": "Anna Żółkiewska"})
    assert response.status_code == 302
    db.session.refresh(letter)
    assert letter.handed_over_at is not None and letter.handed_over_by_id == secretary.id
    assert letter.received_by == "Anna Żółkiewska"
