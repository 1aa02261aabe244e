"""The password rules of docs/architecture.md section 4, used by both services and both UIs.

The default ("school") rule is the one families are told on paper: at least 8
characters with an upper-case letter, a lower-case letter and a digit. On top of
it, as OWASP ASVS 5.0 (6.2.x) and NIST SP 800-63B ask: a deny list of common
passwords, nothing that contains the user's own login or e-mail, long passwords
accepted whole (never truncated; 128 characters and more), no composition rule in
the NIST mode (length 15 and the deny list only). The characters ``. , ? !`` are
discouraged (the school says so) but not refused: they produce a warning.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

SCHOOL = "school"
NIST = "nist"

SCHOOL_MIN_LENGTH = 8
NIST_MIN_LENGTH = 15
#: Upper bound only against absurd input (hashing cost); far above the 128 that must pass.
MAX_LENGTH = 1024
DISCOURAGED_CHARACTERS = ".,?!"


@dataclass(frozen=True)
class Violation:
    """One failed rule: a stable ``code`` for programs and a translated ``message`` for people."""

    code: str
    message: object  # a lazy string: str() renders it in the request's locale

    def text(self, locale: str) -> str:
        """Return the message in ``locale`` ("pl" or "en"), whatever the request's locale."""
        with force_locale(locale):
            return str(self.message)


@dataclass(frozen=True)
class PolicyResult:
    """Every failed rule, plus warnings that do not block the password."""

    violations: tuple[Violation, ...]
    warnings: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not self.violations

    def messages(self, locale: str | None = None) -> list[str]:
        """Failed rules as text, in ``locale`` or the current one."""
        return [v.text(locale) if locale else str(v.message) for v in self.violations]


@cache
def common_passwords() -> frozenset[str]:
    """Load the shipped deny list once per process (about 20,000 lower-case entries)."""
    data = resources.files("shared") / "data"
    with data.joinpath("common-passwords.txt.gz").open("rb") as raw, \
            gzip.open(raw, "rt", encoding="utf-8") as fh:
        words = {line.strip() for line in fh}
    words.update(line.strip() for line in
                 data.joinpath("common-passwords-pl.txt").read_text("utf-8").splitlines())
    words.discard("")
    return frozenset(words)


def check_password(password: str, *, mode: str = SCHOOL, context: Iterable[str] = ()) -> PolicyResult:
    """Check ``password`` against the policy and return every rule it fails.

    ``context`` holds the user's own identifiers (login, e-mail, names): a password
    containing one of them is refused, since it is the first thing an attacker tries.
    """
    violations: list[Violation] = []
    warnings: list[Violation] = []
    min_length = NIST_MIN_LENGTH if mode == NIST else SCHOOL_MIN_LENGTH
    if len(password) < min_length:
        violations.append(Violation("too_short", _l(
            "The password must have at least %(num)d characters.", num=min_length)))
    if len(password) > MAX_LENGTH:
        violations.append(Violation("too_long", _l(
            "The password may have at most %(num)d characters.", num=MAX_LENGTH)))
    if mode != NIST:
        if not any(c.isupper() for c in password):
            violations.append(Violation("no_upper", _l(
                "The password must contain at least one upper-case letter.")))
        if not any(c.islower() for c in password):
            violations.append(Violation("no_lower", _l(
                "The password must contain at least one lower-case letter.")))
        if not any(c.isdigit() for c in password):
            violations.append(Violation("no_digit", _l(
                "The password must contain at least one digit.")))
    if password.lower() in common_passwords() or password.strip().lower() in common_passwords():
        violations.append(Violation("common", _l(
            "This password is one of the most common passwords. Choose another one.")))
    lowered = password.lower()
    for item in context:
        for word in _context_words(item):
            if len(word) >= 4 and word in lowered:
                violations.append(Violation("contains_identity", _l(
                    "The password must not contain your login, name or e-mail address.")))
                break
        else:
            continue
        break
    if any(c in DISCOURAGED_CHARACTERS for c in password):
        warnings.append(Violation("discouraged_characters", _l(
            "Special characters such as . , ? ! are discouraged: some school systems "
            "handle them badly.")))
    return PolicyResult(tuple(violations), tuple(warnings))


def _context_words(item: str) -> list[str]:
    item = (item or "").lower()
    words = [item]
    if "@" in item:
        words.append(item.split("@", 1)[0])
    return words


def policy_description(mode: str = SCHOOL) -> dict:
    """The rules as data, for the live hint the password pages show while typing."""
    return {
        "min_length": NIST_MIN_LENGTH if mode == NIST else SCHOOL_MIN_LENGTH,
        "max_length": MAX_LENGTH,
        "require_classes": mode != NIST,
        "discouraged": DISCOURAGED_CHARACTERS,
    }
