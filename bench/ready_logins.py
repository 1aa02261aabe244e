"""Give N parent (or staff) logins of the layout's demo school a known password, ready to sign in.

    .venv/bin/python bench/ready_logins.py --count 2500 [--password P]   (run with the layout's env)
    .venv/bin/python bench/ready_logins.py --count 30 --staff            (teachers, with a TOTP key)

The demo seed prints a handful of logins; a load scenario needs thousands. This sets
the first ``--count`` parent accounts (by id) to one password — hashed once with the
deployment's argon2id parameters, so every sign-in still costs a full verify — with
the terms accepted, and prints them as JSON (``role``, ``login``, ``password``).
Only for a benchmark's throw-away database.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--password", default="Szkola-Rano-2026")
    parser.add_argument("--staff", action="store_true", help="teachers instead of parents")
    args = parser.parse_args()

    import sqlalchemy as sa

    from gradebook_service import create_app
    from gradebook_service.accounts.models import PARENT, SchoolAccount
    from gradebook_service.accounts.terms import current_terms
    from gradebook_service.extensions import db
    from shared.passwords import current_hasher

    app = create_app()
    with app.app_context():
        if args.staff:
            accounts = _teachers(args.count)
        else:
            accounts = db.session.execute(sa.select(SchoolAccount).where(SchoolAccount.role == PARENT)
                                          .order_by(SchoolAccount.id).limit(args.count)).scalars().all()
        secrets_by_login = _second_factors(accounts) if args.staff else {}
        stored = current_hasher().hash(args.password)
        terms = {}
        for account in accounts:
            if account.school_id not in terms:
                terms[account.school_id] = current_terms(account.school_id).version
            account.password_hash = stored
            account.must_change_password = False
            account.terms_version_accepted = terms[account.school_id]
            account.is_active = True
        db.session.commit()
        print(json.dumps([{"role": "teacher" if args.staff else "parent", "login": a.login,
                           "password": args.password, "totp_secret": secrets_by_login.get(a.login)}
                          for a in accounts]))


def _teachers(count: int) -> list:
    """Accounts of the first ``count`` staff members with a teaching assignment."""
    import sqlalchemy as sa

    from gradebook_service.accounts.logins import ensure_staff_account
    from gradebook_service.extensions import db
    from gradebook_service.school.models import StaffMember, TeachingAssignment

    staff = db.session.execute(
        sa.select(StaffMember).where(StaffMember.id.in_(sa.select(TeachingAssignment.teacher_id)))
        .order_by(StaffMember.id).limit(count)).scalars().all()
    return [ensure_staff_account(member) for member in staff]


def _second_factors(accounts: list) -> dict[str, str]:
    """A fresh TOTP key per account (staff must sign in with a second factor)."""
    import pyotp

    from gradebook_service.accounts.second_factor import seal_totp_secret
    from shared.database import utcnow

    found = {}
    for account in accounts:
        secret = pyotp.random_base32()
        account.totp_secret_encrypted = seal_totp_secret(secret)
        account.totp_enabled_at = account.totp_enabled_at or utcnow()
        found[account.login] = secret
    return found


if __name__ == "__main__":
    main()
