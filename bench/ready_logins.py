"""Give N parent logins of the layout's demo school a known password, as families who signed in once.

    .venv/bin/python bench/ready_logins.py --count 2500 [--password P]   (run with the layout's env)

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
    args = parser.parse_args()

    import sqlalchemy as sa

    from gradebook_service import create_app
    from gradebook_service.accounts.models import PARENT, SchoolAccount
    from gradebook_service.accounts.terms import current_terms
    from gradebook_service.extensions import db
    from shared.passwords import current_hasher

    app = create_app()
    with app.app_context():
        accounts = db.session.execute(sa.select(SchoolAccount).where(SchoolAccount.role == PARENT)
                                      .order_by(SchoolAccount.id).limit(args.count)).scalars().all()
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
        print(json.dumps([{"role": "parent", "login": a.login, "password": args.password}
                          for a in accounts]))


if __name__ == "__main__":
    main()
