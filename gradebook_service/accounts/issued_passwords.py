"""Passwords the school issues on printed letters, and the letters' hand-over.

The plaintext of a generated password exists only on the letter: the account
keeps its hash, and printing again issues a new one.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from gradebook_service.accounts.models import LetterIssue, SchoolAccount
from gradebook_service.core.models import audit
from gradebook_service.extensions import db
from shared.database import utcnow
from shared.password_policy import check_password
from shared.passwords import current_hasher

#: Letters and digits that cannot be confused on paper (no 0/O/o, 1/l/I/i, 5/S, 2/Z, 8/B …).
PASSWORD_UPPER = "ACDEFGHJKLMNPQRTUVWXY"  # noqa: S105 - an alphabet, not a password


PASSWORD_LOWER = "abcdefghjkmnpqrstuvwxyz"  # noqa: S105


PASSWORD_DIGITS = "34679"  # noqa: S105


GENERATED_PASSWORD_LENGTH = 12


def generate_password(length: int = GENERATED_PASSWORD_LENGTH) -> str:
    """Return a random password without look-alike characters that satisfies the policy."""
    alphabet = PASSWORD_UPPER + PASSWORD_LOWER + PASSWORD_DIGITS
    while True:
        chars = [secrets.choice(PASSWORD_UPPER), secrets.choice(PASSWORD_LOWER),
                 secrets.choice(PASSWORD_DIGITS)]
        chars += [secrets.choice(alphabet) for _ in range(length - 3)]
        # Fisher–Yates with a CSPRNG, so the forced classes are not always in front.
        for i in range(len(chars) - 1, 0, -1):
            j = secrets.randbelow(i + 1)
            chars[i], chars[j] = chars[j], chars[i]
        password = "".join(chars)
        if check_password(password).ok:
            return password


def supersede_letters(school_id: int, account_ids: list[int]) -> None:
    """Mark the current letters of these accounts void (a new password replaces theirs)."""
    now = utcnow()
    for start in range(0, len(account_ids), 500):
        db.session.execute(sa.update(LetterIssue).where(
            LetterIssue.school_id == school_id,
            LetterIssue.account_id.in_(account_ids[start:start + 500]),
            LetterIssue.superseded_at.is_(None)).values(superseded_at=now))


def apply_issued_password(account: SchoolAccount, password_hash: str, *,
                          printed_by: SchoolAccount | None, kind: str = "welcome",
                          supersede: bool = True) -> LetterIssue:
    """Replace the password with a freshly issued one (already hashed) and record the letter.

    The old password stops working at once, every session of the account ends, and
    earlier letters not yet handed over become void.
    """
    now = utcnow()
    account.password_hash = password_hash
    account.password_changed_at = now
    account.must_change_password = True
    account.session_version = (account.session_version or 1) + 1
    if supersede:
        supersede_letters(account.school_id, [account.id])
    letter = LetterIssue(school_id=account.school_id, account_id=account.id, kind=kind,
                         printed_at=now, printed_by_id=printed_by.id if printed_by else None)
    db.session.add(letter)
    audit("letter.printed", actor=printed_by.login if printed_by else "cli",
          subject=account.login, kind=kind)
    return letter


def issue_password(account: SchoolAccount, *, printed_by: SchoolAccount | None,
                   kind: str = "welcome") -> str:
    """Generate, hash and set a new password for one account; return the plaintext (for the PDF)."""
    password = generate_password()
    apply_issued_password(account, current_hasher().hash(password), printed_by=printed_by,
                          kind=kind)
    return password


def record_handover(letter: LetterIssue, by: SchoolAccount, received_by: str | None) -> None:
    """Record that the signed letter was handed over at the secretariat."""
    letter.handed_over_at = utcnow()
    letter.handed_over_by_id = by.id
    letter.received_by = (received_by or "").strip() or None
    audit("letter.handed_over", actor=by.login, subject=letter.account.login, letter_id=letter.id)
