"""The shared password policy: each rule, both languages, both modes."""

import pytest
from flask_babel import force_locale

from shared.password_policy import NIST, SCHOOL, check_password, common_passwords


@pytest.fixture
def ctx(idp_app):
    with idp_app.test_request_context():
        yield


@pytest.mark.parametrize(("password", "codes"), [
    ("Kotlet7Mielony", set()),
    ("Kt1", {"too_short"}),
    ("kotlet7mielony", {"no_upper"}),
    ("KOTLET7MIELONY", {"no_lower"}),
    ("KotletMielony", {"no_digit"}),
    ("xq", {"too_short", "no_upper", "no_digit"}),
    ("Password1", {"common"}),
    ("Zaq12wsx", {"common"}),  # Polish keyboard favourite, case-insensitive match
    ("", {"too_short", "no_upper", "no_lower", "no_digit"}),
])
def test_school_rules_each_reported(ctx, password, codes):
    result = check_password(password, mode=SCHOOL)
    assert {v.code for v in result.violations} == codes
    assert result.ok is (not codes)


def test_long_passwords_are_accepted_whole(ctx):
    long_password = "Aa1" + "x" * 125
    assert len(long_password) == 128
    assert check_password(long_password).ok
    assert check_password("Aa1" + "y" * 997).ok  # 1000 characters
    assert {v.code for v in check_password("Aa1" + "z" * 1100).violations} == {"too_long"}


def test_discouraged_characters_warn_but_pass(ctx):
    result = check_password("Ab12cd34!")
    assert result.ok
    assert [w.code for w in result.warnings] == ["discouraged_characters"]
    assert check_password("Ab12cd34").warnings == ()


def test_password_must_not_contain_own_identifiers(ctx):
    result = check_password("Jan.Kowalski7", context=["jan.kowalski@example.pl", "4821937"])
    assert "contains_identity" in {v.code for v in result.violations}
    assert "contains_identity" in {v.code for v in check_password(
        "Xy4821937", context=["4821937"]).violations}
    assert check_password("Zupelnie1Inne", context=["jan@example.pl"]).ok


def test_nist_mode_needs_length_only(ctx):
    assert check_password("correct horse battery", mode=NIST).ok  # no digit, no upper: fine
    assert {v.code for v in check_password("Short1Aa", mode=NIST).violations} == {"too_short"}


def test_messages_in_polish_and_english(ctx):
    result = check_password("xqz")
    polish = result.messages("pl")
    english = result.messages("en")
    assert "Hasło musi mieć co najmniej 8 znaków." in polish
    assert "Hasło musi zawierać co najmniej jedną wielką literę." in polish
    assert "Hasło musi zawierać co najmniej jedną cyfrę." in polish
    assert "The password must have at least 8 characters." in english
    assert "The password must contain at least one upper-case letter." in english
    assert len(polish) == len(english) == len(result.violations) == 3
    with force_locale("pl"):
        assert result.messages() == polish


def test_deny_list_is_large_enough():
    words = common_passwords()
    assert len(words) >= 10_000
    assert {"123456", "qwerty", "password", "haslo123"} <= words
