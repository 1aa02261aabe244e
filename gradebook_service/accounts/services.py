"""School-account logic: logins, generated passwords, sign-in, first login, second factor, resets.

Services add and flush; the request (or the CLI command) commits. Failures are
typed exceptions the views map to one message each.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import date

import pyotp
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from gradebook_service.accounts.models import (
    PARENT,
    PUPIL,
    STAFF,
    LetterIssue,
    PasswordResetRequest,
    RecoveryCode,
    SchoolAccount,
    TermsVersion,
)
from gradebook_service.core.models import audit
from gradebook_service.extensions import db
from gradebook_service.school.models import Guardianship, Pupil, StaffMember
from shared.database import utcnow
from shared.password_policy import PolicyResult, check_password
from shared.passwords import current_hasher
from shared.ratelimit import credential_throttle
from shared.tokens import TokenPurpose, state_fingerprint, token_service

LOGIN_SCOPE = "gradebook-login"
SECOND_FACTOR_SCOPE = "gradebook-2fa"
RESET_SCOPE = "gradebook-reset"

#: Letters and digits that cannot be confused on paper (no 0/O/o, 1/l/I/i, 5/S, 2/Z, 8/B …).
PASSWORD_UPPER = "ACDEFGHJKLMNPQRTUVWXY"  # noqa: S105 - an alphabet, not a password
PASSWORD_LOWER = "abcdefghjkmnpqrstuvwxyz"  # noqa: S105
PASSWORD_DIGITS = "34679"  # noqa: S105
GENERATED_PASSWORD_LENGTH = 12
RECOVERY_CODE_COUNT = 10

EMAIL_VERIFY = TokenPurpose("gradebook-email-verify", 3 * 24 * 3600)
PASSWORD_RESET = TokenPurpose("gradebook-password-reset", 3600)

DEFAULT_TERMS = (
    "Regulamin korzystania z e-dziennika\n\n"
    "1. Konto w e-dzienniku zakłada szkoła. Login i hasło są osobiste: nie przekazuj ich innym.\n"
    "2. Dane uczniów widzą tylko ich rodzice (opiekunowie prawni), sam uczeń oraz uprawnieni "
    "pracownicy szkoły.\n"
    "3. Utratę loginu lub hasła zgłoś w sekretariacie, administratorowi lub wychowawcy.\n"
    "4. Szkoła przetwarza dane zgodnie z RODO; szczegóły w sekretariacie szkoły.")


class AccountError(Exception):
    """Base class of the account errors the views turn into messages."""


class InvalidCredentials(AccountError):
    """Wrong login or password (never says which)."""


class TooManyAttempts(AccountError):
    """The login or the address has used up its failed attempts for now."""


class PasswordRejected(AccountError):
    """The new password fails the policy; ``result`` lists every failed rule."""

    def __init__(self, result: PolicyResult) -> None:
        super().__init__("password rejected")
        self.result = result


class InvalidSecondFactor(AccountError):
    """A wrong, expired or replayed TOTP code or recovery code."""


class TokenRejected(AccountError):
    """A mailed link that is expired, forged or already used."""


# --- logins and generated passwords -------------------------------------------------------


def _login_taken(login: str) -> bool:
    return db.session.execute(
        sa.select(SchoolAccount.id).where(SchoolAccount.login.in_((login, login + "u")))
    ).first() is not None


def new_parent_login(reserved: set[str] | None = None) -> str:
    """Return 7 random digits not used by any account (random, so never sequential)."""
    reserved = reserved if reserved is not None else set()
    for _ in range(100):
        login = str(secrets.randbelow(9_000_000) + 1_000_000)  # no leading zero
        if login not in reserved and not _login_taken(login):
            reserved.add(login)
            return login
    raise RuntimeError("could not find a free login")  # 9 million numbers: practically never


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


def ensure_family_accounts(guardianship: Guardianship,
                           reserved: set[str] | None = None) -> list[SchoolAccount]:
    """Create the parent login of a pupil–guardian pair and, for the first guardian, the pupil's.

    No password is set: it exists only once a letter is printed.
    """
    created = []
    parent = db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.guardianship_id == guardianship.id)).scalar_one_or_none()
    if parent is None:
        parent = SchoolAccount(school_id=guardianship.school_id, role=PARENT,
                               guardianship=guardianship, login=new_parent_login(reserved),
                               must_change_password=True)
        db.session.add(parent)
        created.append(parent)
    pupil_account = db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.pupil_id == guardianship.pupil_id)).scalar_one_or_none()
    if pupil_account is None and guardianship.position == 1:
        pupil_account = SchoolAccount(school_id=guardianship.school_id, role=PUPIL,
                                      pupil_id=guardianship.pupil_id, login=parent.login + "u",
                                      must_change_password=True)
        db.session.add(pupil_account)
        created.append(pupil_account)
    db.session.flush()
    return created


class LoginTaken(AccountError):
    """The chosen staff login is already used by another account."""


STAFF_LOGIN_PATTERN = r"^[a-z][a-z0-9._-]{2,31}$"


def add_staff_member(school_id: int, *, first_name: str, last_name: str, login: str,
                     email: str | None = None, is_teacher: bool = False,
                     is_secretary: bool = False, is_admin: bool = False,
                     by: SchoolAccount | None = None) -> SchoolAccount:
    """Create a staff member and their account (no password until the letter is printed)."""
    login = normalise_login(login)
    if _login_taken(login):
        raise LoginTaken()
    member = StaffMember(school_id=school_id, first_name=first_name.strip(),
                         last_name=last_name.strip(), email=(email or "").strip() or None,
                         is_teacher=is_teacher, is_secretary=is_secretary, is_admin=is_admin)
    db.session.add(member)
    db.session.flush()
    account = ensure_staff_account(member, login=login)
    audit("staff.added", actor=by.login if by else "cli", subject=login,
          roles=",".join(r for r, on in (("teacher", is_teacher), ("secretary", is_secretary),
                                         ("admin", is_admin)) if on))
    return account


def ensure_staff_account(staff: StaffMember, login: str | None = None) -> SchoolAccount:
    """Return the staff member's account, creating it (without a password) if needed."""
    account = db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.staff_id == staff.id)).scalar_one_or_none()
    if account is None:
        account = SchoolAccount(school_id=staff.school_id, role=STAFF, staff=staff,
                                login=login or ("n" + new_parent_login()),
                                must_change_password=True)
        db.session.add(account)
        db.session.flush()
    return account


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


# --- sign-in ------------------------------------------------------------------------------


def normalise_login(login: str) -> str:
    return (login or "").strip().lower()


def authenticate(login: str, password: str, *, scope: str = LOGIN_SCOPE,
                 ip: str | None = None) -> SchoolAccount:
    """Return the account for ``login``/``password``; the same error for any wrong part.

    Failures count per login and per client address (``ip``; the request's by default).
    """
    login = normalise_login(login)
    throttle = credential_throttle()
    if throttle.blocked(scope, login, ip):
        raise TooManyAttempts()
    account = db.session.execute(
        sa.select(SchoolAccount).where(SchoolAccount.login == login)).scalar_one_or_none()
    stored = account.password_hash if account is not None and account.is_active else None
    result = current_hasher().verify(stored, password or "")
    if not result.ok:
        throttle.failed(scope, login, ip)
        audit("login.failed", subject=login if account is not None else None, scope=scope)
        raise InvalidCredentials()
    throttle.succeeded(scope, login)
    if result.new_hash:
        account.password_hash = result.new_hash
    return account


def record_login(account: SchoolAccount, method: str) -> None:
    """Note a completed sign-in."""
    account.last_login_at = utcnow()
    audit("login.succeeded", actor=account.login, method=method)


def needs_second_factor(account: SchoolAccount) -> bool:
    """Staff always need a second factor once enrolled; families when they turned it on."""
    return account.totp_enabled


def must_enrol_second_factor(account: SchoolAccount) -> bool:
    """Staff accounts may not be used until a second factor is enrolled."""
    return account.role == STAFF and not account.totp_enabled


# --- first login: new password, terms, recovery e-mail ------------------------------------


def password_context(account: SchoolAccount) -> list[str]:
    """The account's own identifiers, refused inside a password."""
    context = [account.login, account.recovery_email or ""]
    if account.role == STAFF and account.staff is not None:
        context += [account.staff.first_name, account.staff.last_name, account.staff.email or ""]
    pupil = account.family_pupil()
    if pupil is not None:
        context += [pupil.first_name, pupil.last_name]
    if account.role == PARENT and account.guardianship is not None:
        guardian = account.guardianship.guardian
        context += [guardian.first_name, guardian.last_name, guardian.email or ""]
    return [c for c in context if c]


def check_new_password(account: SchoolAccount, new_password: str) -> PolicyResult:
    """Check a password the user chose, against the policy and their own identifiers."""
    mode = current_app.config["PASSWORD_POLICY"]
    return check_password(new_password, mode=mode, context=password_context(account))


def set_own_password(account: SchoolAccount, new_password: str) -> None:
    """Set a password the user chose; ends the account's other sessions."""
    result = check_new_password(account, new_password)
    if not result.ok:
        raise PasswordRejected(result)
    if account.password_hash and current_hasher().verify(account.password_hash, new_password).ok:
        raise PasswordRejected(PolicyResult((_same_password_violation(),), ()))
    account.password_hash = current_hasher().hash(new_password)
    account.password_changed_at = utcnow()
    account.must_change_password = False
    account.session_version = (account.session_version or 1) + 1
    audit("password.changed", actor=account.login)


def _same_password_violation():
    from flask_babel import lazy_gettext as _l

    from shared.password_policy import Violation

    return Violation("same_as_issued", _l("Choose a password different from the one issued."))


def current_terms(school_id: int) -> TermsVersion:
    """The school's current terms; version 1 with the default text is created if none exist."""
    terms = db.session.execute(
        sa.select(TermsVersion).where(TermsVersion.school_id == school_id)
        .order_by(TermsVersion.version.desc()).limit(1)).scalar_one_or_none()
    if terms is None:
        terms = TermsVersion(school_id=school_id, version=1, body=DEFAULT_TERMS)
        db.session.add(terms)
        db.session.flush()
    return terms


def publish_terms(school_id: int, body: str, by: SchoolAccount) -> TermsVersion:
    """Publish a new terms version: everyone is asked to accept it at their next visit."""
    version = current_terms(school_id).version + 1
    terms = TermsVersion(school_id=school_id, version=version, body=body.strip(),
                         published_by_id=by.id)
    db.session.add(terms)
    db.session.flush()
    audit("terms.published", actor=by.login, version=version)
    return terms


def needs_terms(account: SchoolAccount) -> bool:
    accepted = account.terms_version_accepted or 0
    return accepted < current_terms(account.school_id).version


def accept_terms(account: SchoolAccount, version: int) -> None:
    account.terms_version_accepted = version
    audit("terms.accepted", actor=account.login, version=version)


def email_state(account: SchoolAccount, email: str) -> str:
    return state_fingerprint(account.id, account.recovery_email, email,
                             account.recovery_email_verified_at)


def request_recovery_email(account: SchoolAccount, email: str) -> None:
    """Store an unverified recovery e-mail and mail a verification link to it."""
    from flask import url_for
    from flask_babel import gettext as _

    from gradebook_service.extensions import outbox

    email = email.strip()
    account.recovery_email = email
    account.recovery_email_verified_at = None
    db.session.flush()
    token = token_service(EMAIL_VERIFY).dumps({"a": account.id, "e": email},
                                              state=email_state(account, email))
    link = url_for("auth.verify_email", token=token, _external=True)
    outbox.enqueue(email, _("Confirm your e-mail address for the e-register"),
                   _("Open this link to confirm the e-mail address for password recovery "
                     "of your e-register account %(login)s:\n\n%(link)s\n\n"
                     "If you did not ask for this, ignore this message.",
                     login=account.login, link=link))
    audit("email.verification_sent", actor=account.login)


def verify_recovery_email(token: str) -> SchoolAccount:
    """Confirm the recovery e-mail from a mailed link (works once)."""
    from shared.tokens import TokenError

    def state_of(data):
        account = db.session.get(SchoolAccount, data.get("a"))
        if account is None or account.recovery_email != data.get("e"):
            return None
        return email_state(account, data["e"])

    try:
        data = token_service(EMAIL_VERIFY).loads(token, state_of=state_of)
    except TokenError as exc:
        raise TokenRejected() from exc
    account = db.session.get(SchoolAccount, data["a"])
    account.recovery_email_verified_at = utcnow()
    audit("email.verified", actor=account.login)
    return account


# --- password reset by mail ---------------------------------------------------------------


def reset_state(account: SchoolAccount) -> str:
    return state_fingerprint(account.id, account.password_hash, account.session_version)


def request_password_reset(login: str) -> None:
    """Mail a reset link if ``login`` exists with a verified e-mail; silent otherwise."""
    from flask import url_for
    from flask_babel import gettext as _

    from gradebook_service.extensions import outbox

    login = normalise_login(login)
    throttle = credential_throttle()
    if throttle.blocked(RESET_SCOPE, login):
        return
    throttle.failed(RESET_SCOPE, login)  # every request counts: no mail bombing
    account = db.session.execute(
        sa.select(SchoolAccount).where(SchoolAccount.login == login)).scalar_one_or_none()
    if (account is None or not account.is_active or not account.recovery_email
            or account.recovery_email_verified_at is None or account.password_hash is None):
        return
    token = token_service(PASSWORD_RESET).dumps({"a": account.id}, state=reset_state(account))
    link = url_for("auth.reset_password", token=token, _external=True)
    outbox.enqueue(account.recovery_email, _("Set a new e-register password"),
                   _("Someone asked to set a new password for the e-register account "
                     "%(login)s. Open this link within an hour to choose it:\n\n%(link)s\n\n"
                     "If it was not you, ignore this message: your password stays as it is.",
                     login=account.login, link=link))
    audit("password.reset_mailed", subject=account.login)


def account_from_reset_token(token: str) -> SchoolAccount:
    from shared.tokens import TokenError

    def state_of(data):
        account = db.session.get(SchoolAccount, data.get("a"))
        return reset_state(account) if account is not None and account.is_active else None

    try:
        data = token_service(PASSWORD_RESET).loads(token, state_of=state_of)
    except TokenError as exc:
        raise TokenRejected() from exc
    return db.session.get(SchoolAccount, data["a"])


# --- second factor ------------------------------------------------------------------------


def _fernet(purpose: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=f"e-dziennik gradebook {purpose}".encode()).derive(
        current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(purpose: str, data: bytes) -> bytes:
    return _fernet(purpose).encrypt(data)


def decrypt(purpose: str, token: bytes) -> bytes:
    return _fernet(purpose).decrypt(token)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(account: SchoolAccount, secret: str) -> str:
    school = account_school_name(account)
    return pyotp.TOTP(secret).provisioning_uri(name=account.login, issuer_name=f"E-dziennik {school}")


def account_school_name(account: SchoolAccount) -> str:
    from gradebook_service.school.models import School

    school = db.session.get(School, account.school_id)
    return school.short_name if school else ""


def _totp_step(secret: str, code: str, last_step: int | None) -> int | None:
    """Return the time step ``code`` matches (±1 step), or None; steps ≤ ``last_step`` are refused."""
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(utcnow().timestamp()) // totp.interval
    for step in (now_step - 1, now_step, now_step + 1):
        if hmac.compare_digest(totp.at(step * totp.interval), code):
            if last_step is not None and step <= last_step:
                return None  # replayed (or older than one already used)
            return step
    return None


def _hash_recovery_code(code: str) -> str:
    normalised = "".join(code.split()).replace("-", "").lower()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), normalised.encode(),
                    hashlib.sha256).hexdigest()


def new_recovery_codes(account: SchoolAccount) -> list[str]:
    """Replace the account's recovery codes with fresh ones; return them (shown once)."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.school_id == account.school_id,
                                                     RecoveryCode.account_id == account.id))
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(alphabet) for _ in range(10))
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        db.session.add(RecoveryCode(school_id=account.school_id, account_id=account.id,
                                    code_hash=_hash_recovery_code(code)))
    db.session.flush()
    return codes


def enable_totp(account: SchoolAccount, secret: str, code: str) -> list[str]:
    """Turn the second factor on once the user proved the app shows the right code."""
    step = _totp_step(secret, code, None)
    if step is None:
        raise InvalidSecondFactor()
    account.totp_secret_encrypted = encrypt("totp", secret.encode()).decode()
    account.totp_enabled_at = utcnow()
    account.totp_last_step = step
    audit("second_factor.enabled", actor=account.login)
    return new_recovery_codes(account)


def disable_totp(account: SchoolAccount) -> None:
    """Turn the second factor off (families only; staff must keep it)."""
    account.totp_secret_encrypted = None
    account.totp_enabled_at = None
    account.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.school_id == account.school_id,
                                                     RecoveryCode.account_id == account.id))
    audit("second_factor.disabled", actor=account.login)


def verify_second_factor(account: SchoolAccount, code: str) -> str:
    """Accept a current TOTP code (once) or an unused recovery code; return which was used."""
    throttle = credential_throttle()
    if throttle.blocked(SECOND_FACTOR_SCOPE, account.login):
        raise TooManyAttempts()
    try:
        secret = decrypt("totp", account.totp_secret_encrypted.encode()).decode()
    except (InvalidToken, AttributeError):
        secret = None
    if secret:
        # Lock the row so two requests cannot both accept the same code.
        db.session.refresh(account, with_for_update=True)
        step = _totp_step(secret, code, account.totp_last_step)
        if step is not None:
            account.totp_last_step = step
            throttle.succeeded(SECOND_FACTOR_SCOPE, account.login)
            return "totp"
    code_hash = _hash_recovery_code(code or "")
    used = db.session.execute(
        sa.update(RecoveryCode).where(RecoveryCode.school_id == account.school_id,
                                      RecoveryCode.account_id == account.id,
                                      RecoveryCode.code_hash == code_hash,
                                      RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())).rowcount
    if used == 1:
        throttle.succeeded(SECOND_FACTOR_SCOPE, account.login)
        audit("second_factor.recovery_code_used", actor=account.login)
        return "recovery_code"
    throttle.failed(SECOND_FACTOR_SCOPE, account.login)
    audit("second_factor.failed", subject=account.login)
    raise InvalidSecondFactor()


def unused_recovery_codes(account: SchoolAccount) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.school_id == account.school_id, RecoveryCode.account_id == account.id,
        RecoveryCode.used_at.is_(None))).scalar_one()


# --- lost login or password: recorded by staff, resolved by the administrator -------------


def can_report_lost_password(staff_account: SchoolAccount, account: SchoolAccount) -> bool:
    """Admin and secretary for the whole school; a homeroom teacher for their class's families."""
    if staff_account.role != STAFF or account.school_id != staff_account.school_id:
        return False
    staff = staff_account.staff
    if staff.is_admin or staff.is_secretary:
        return True
    pupil = account.family_pupil()
    return (pupil is not None and pupil.school_class.homeroom_teacher_id == staff.id)


def record_reset_request(account: SchoolAccount, reported_by: SchoolAccount,
                         note: str | None) -> PasswordResetRequest:
    """Record a reported lost login/password for the administrator."""
    existing = db.session.execute(sa.select(PasswordResetRequest).where(
        PasswordResetRequest.school_id == account.school_id,
        PasswordResetRequest.account_id == account.id,
        PasswordResetRequest.status == "open")).scalar_one_or_none()
    if existing is not None:
        return existing
    request_row = PasswordResetRequest(school_id=account.school_id, account_id=account.id,
                                       reported_by_id=reported_by.id, note=(note or None),
                                       status="open")
    db.session.add(request_row)
    db.session.flush()
    audit("reset.requested", actor=reported_by.login, subject=account.login,
          request_id=request_row.id)
    return request_row


def mark_reset_resolved(request_row: PasswordResetRequest, admin: SchoolAccount) -> None:
    """Close a request once its new password is printed (the letter service issued it)."""
    request_row.status = "done"
    request_row.resolved_by_id = admin.id
    request_row.resolved_at = utcnow()
    audit("reset.resolved", actor=admin.login, subject=request_row.account.login,
          request_id=request_row.id)


def record_handover(letter: LetterIssue, by: SchoolAccount, received_by: str | None) -> None:
    """Record that the signed letter was handed over at the secretariat."""
    letter.handed_over_at = utcnow()
    letter.handed_over_by_id = by.id
    letter.received_by = (received_by or "").strip() or None
    audit("letter.handed_over", actor=by.login, subject=letter.account.login, letter_id=letter.id)


# --- lookups ------------------------------------------------------------------------------


def family_accounts_of_pupil(pupil: Pupil) -> list[SchoolAccount]:
    """The pupil's own account and their guardians' parent accounts."""
    guardianship_ids = [g.id for g in pupil.guardianships]
    return list(db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.school_id == pupil.school_id,
        sa.or_(SchoolAccount.pupil_id == pupil.id,
               SchoolAccount.guardianship_id.in_(guardianship_ids or [-1])))).scalars())


def accounts_by_ids(ids: Iterable[int]) -> list[SchoolAccount]:
    ids = list(ids)
    if not ids:
        return []
    return list(db.session.execute(sa.select(SchoolAccount).where(
        SchoolAccount.id.in_(ids))).scalars())


def age_today(pupil: Pupil) -> int:
    return pupil.age_on(date.today())
