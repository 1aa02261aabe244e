"""Choose the families to print letters for, issue fresh passwords and render the PDF.

Printing is what creates a password: an account has none until its letter is
printed, and every print replaces the password (the previous letter becomes
void). Batches skip accounts whose owners have already chosen their own
password, unless asked to include them, so re-printing a class cannot lock out
families who use the register.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app

from gradebook_service.accounts.issued_passwords import (
    apply_issued_password,
    generate_password,
    supersede_letters,
)
from gradebook_service.accounts.logins import ensure_family_accounts
from gradebook_service.accounts.models import PARENT, STAFF, SchoolAccount
from gradebook_service.extensions import db
from gradebook_service.letters import hashing
from gradebook_service.letters.pages import LetterPage, StaffLetterPage
from gradebook_service.school.models import Guardianship, Pupil, School, SchoolClass, SchoolYear
from shared.collation import order_by_name

Progress = Callable[[int, int], None]


class NothingToPrint(Exception):
    """The selection matches no account that needs a letter."""


class UnknownClass(Exception):
    """No class of that name in the current school year."""


@dataclass
class Selection:
    """Which families get letters: a class, pupils new since a day, or one pupil's family."""

    class_name: str | None = None
    new_since: date | None = None
    pupil_id: int | None = None
    include_active: bool = False

    def as_dict(self) -> dict:
        return {"class_name": self.class_name,
                "new_since": self.new_since.isoformat() if self.new_since else None,
                "pupil_id": self.pupil_id, "include_active": self.include_active}

    @classmethod
    def from_dict(cls, data: dict) -> Selection:
        return cls(data.get("class_name"),
                   date.fromisoformat(data["new_since"]) if data.get("new_since") else None,
                   data.get("pupil_id"), bool(data.get("include_active")))


@dataclass
class PagePlan:
    pupil: Pupil
    guardianship: Guardianship | None
    parent_account: SchoolAccount | None
    pupil_account: SchoolAccount | None

    def accounts(self) -> list[SchoolAccount]:
        return [a for a in (self.parent_account, self.pupil_account) if a is not None]


@dataclass
class PrintResult:
    pdf: bytes
    pages: int
    accounts: int
    passwords: dict[str, str] = field(default_factory=dict, repr=False)  # login → password


def select_pupils(school_id: int, selection: Selection) -> list[Pupil]:
    """The pupils of the current year that ``selection`` names (tenant-scoped)."""
    query = (sa.select(Pupil).join(SchoolClass, Pupil.class_id == SchoolClass.id)
             .join(SchoolYear, SchoolClass.school_year_id == SchoolYear.id)
             .where(Pupil.school_id == school_id, SchoolClass.school_id == school_id,
                    SchoolYear.is_current.is_(True)))
    if selection.class_name:
        name = selection.class_name.strip().lower()
        exists = db.session.execute(
            sa.select(SchoolClass.id).join(SchoolYear, SchoolClass.school_year_id == SchoolYear.id)
            .where(SchoolClass.school_id == school_id, SchoolClass.name == name,
                   SchoolYear.is_current.is_(True))).first()
        if exists is None:
            raise UnknownClass(name)
        query = query.where(SchoolClass.name == name)
    if selection.new_since:
        query = query.where(Pupil.joined_on >= selection.new_since)
    if selection.pupil_id:
        query = query.where(Pupil.id == selection.pupil_id)
    query = query.order_by(SchoolClass.level, SchoolClass.name,
                           *order_by_name(Pupil.last_name, Pupil.first_name), Pupil.id)
    return list(db.session.execute(query).scalars())


def plan_pages(school_id: int, selection: Selection) -> list[PagePlan]:
    """One page per pupil–guardian pair whose accounts need a letter."""
    pupils = select_pupils(school_id, selection)
    if not pupils:
        return []
    pupil_ids = [p.id for p in pupils]
    guardianships = db.session.execute(
        sa.select(Guardianship).where(Guardianship.school_id == school_id,
                                      Guardianship.pupil_id.in_(pupil_ids))
        .order_by(Guardianship.pupil_id, Guardianship.position)).scalars().all()
    for gs in guardianships:  # a roster imported by other means may lack accounts
        ensure_family_accounts(gs)
    accounts = db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.school_id == school_id,
        sa.or_(SchoolAccount.pupil_id.in_(pupil_ids),
               SchoolAccount.guardianship_id.in_([g.id for g in guardianships] or [-1]))
    )).scalars().all()
    by_pair = {a.guardianship_id: a for a in accounts if a.role == PARENT}
    by_pupil = {a.pupil_id: a for a in accounts if a.pupil_id is not None}
    per_pupil: dict[int, list[Guardianship]] = {}
    for gs in guardianships:
        per_pupil.setdefault(gs.pupil_id, []).append(gs)

    def wanted(account: SchoolAccount | None) -> SchoolAccount | None:
        if account is None or not account.is_active:
            return None
        return account if (selection.include_active or account.must_change_password) else None

    plans = []
    for pupil in pupils:
        pupil_account = wanted(by_pupil.get(pupil.id))
        for index, gs in enumerate(per_pupil.get(pupil.id, [])):
            plan = PagePlan(pupil, gs, wanted(by_pair.get(gs.id)),
                            pupil_account if index == 0 else None)
            if plan.accounts():
                plans.append(plan)
    return plans


def hash_params() -> tuple[int, int, int]:
    config = current_app.config
    return (config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"])


def letter_urls() -> dict[str, str]:
    return {"login": current_app.config["GRADEBOOK_URL"] + "/login",
            "register": current_app.config["IDP_ISSUER"] + "/register"}


def issue_and_render(school_id: int, plans: list[PagePlan], printed_by: SchoolAccount | None,
                     *, kind: str = "welcome", progress: Progress | None = None,
                     locale: str = "pl") -> PrintResult:
    """Set a fresh password on every planned account and render the letters.

    Work units for ``progress``: one per password hashed and one per page rendered.
    """
    # The PDF module loads fpdf (~44 MiB): imported where letters are drawn, so a
    # worker serving pages never holds it.
    from gradebook_service.letters.pdf import render

    if not plans:
        raise NothingToPrint()
    accounts = [a for plan in plans for a in plan.accounts()]
    total = len(accounts) + len(plans)
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    if progress:
        progress(0, total)
    passwords = {a.id: generate_password() for a in accounts}
    school = db.session.get(School, school_id)
    pages = []
    for plan in plans:
        guardian = plan.guardianship.guardian if plan.guardianship else None
        pages.append(LetterPage(
            school_name=school.name, school_address=school.address,
            pupil_name=plan.pupil.full_name, class_name=plan.pupil.school_class.name,
            guardian_name=guardian.full_name if guardian and plan.parent_account else None,
            parent_login=plan.parent_account.login if plan.parent_account else None,
            parent_password=passwords.get(plan.parent_account.id) if plan.parent_account else None,
            pupil_login=plan.pupil_account.login if plan.pupil_account else None,
            pupil_password=passwords.get(plan.pupil_account.id) if plan.pupil_account else None,
            kind=kind))
    urls = letter_urls()
    # Workers hash while this process renders the PDF (it needs only the plaintext).
    hashes, pdf = hashing.hash_many(
        [passwords[a.id] for a in accounts], hash_params(), progress=step,
        meanwhile=lambda: render(pages, urls, locale=locale, progress=step))
    # Only now write: the writes are one short burst (and a background job can report
    # progress meanwhile without waiting for a database lock).
    supersede_letters(school_id, [a.id for a in accounts])
    for account, password_hash in zip(accounts, hashes, strict=True):
        apply_issued_password(account, password_hash, printed_by=printed_by, kind=kind,
                              supersede=False)
    db.session.flush()
    return PrintResult(pdf, len(pages), len(accounts),
                       {a.login: passwords[a.id] for a in accounts})


def print_letters(school_id: int, selection: Selection, printed_by: SchoolAccount | None,
                  progress: Progress | None = None) -> PrintResult:
    """Plan, issue and render welcome letters for ``selection``."""
    return issue_and_render(school_id, plan_pages(school_id, selection), printed_by,
                            progress=progress)


def print_staff_letter(account: SchoolAccount, printed_by: SchoolAccount | None,
                       kind: str = "welcome") -> PrintResult:
    """A letter with a new password for a staff account (the second factor stays as it is)."""
    if account.role != STAFF:
        raise NothingToPrint()
    from gradebook_service.letters.pdf import render  # fpdf only where letters are drawn

    password = generate_password()
    school = db.session.get(School, account.school_id)
    pdf = render([StaffLetterPage(school.name, school.address, account.staff.full_name,
                                  account.login, password, kind)], letter_urls())
    apply_issued_password(account, hashing.hash_many([password], hash_params())[0][0],
                          printed_by=printed_by, kind=kind)
    db.session.flush()
    return PrintResult(pdf, 1, 1, {account.login: password})


def print_reset_letter(account: SchoolAccount, printed_by: SchoolAccount) -> PrintResult:
    """A letter with a new password for one account (lost login or password)."""
    if account.role == STAFF:
        return print_staff_letter(account, printed_by, kind="reset")
    pupil = account.family_pupil()
    if pupil is None:
        raise NothingToPrint()
    plan = PagePlan(pupil, account.guardianship,
                    account if account.role == PARENT else None,
                    None if account.role == PARENT else account)
    return issue_and_render(account.school_id, [plan], printed_by, kind="reset")
