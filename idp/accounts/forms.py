"""Forms of the sign-in pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from idp.accounts.services import (
    PasswordRejected,
    check_new_password,
    is_valid_email,
    normalize_email,
)


def email_address(form, field) -> None:
    """Validate an e-mail address (lower-cases it on the way)."""
    field.data = normalize_email(field.data)
    if field.data and not is_valid_email(field.data):
        raise ValidationError(_l("Enter an e-mail address such as name@example.com."))


def new_password_rules(form, field) -> None:
    """Show every rule of the password policy the new password fails.

    The form may carry ``password_context`` (the user's e-mail, names, logins), which
    the password must not contain.
    """
    try:
        check_new_password(field.data or "", context=tuple(getattr(form, "password_context", ())))
    except PasswordRejected as exc:
        messages = [str(message) for message in exc.result.messages()]
        field.errors.extend(messages[:-1])
        raise ValidationError(messages[-1]) from None


class LoginForm(FlaskForm):
    """E-mail and own password (docs/architecture.md 5.4: ``email``, ``password``)."""

    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Enter your e-mail address.")), Length(max=320), email_address])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Enter your password.")), Length(max=1024)])
    next = HiddenField()


class OtpForm(FlaskForm):
    """The second factor: a code from the authenticator app, or a recovery code."""

    code = StringField(_l("Code"), validators=[
        DataRequired(_l("Enter the code.")), Length(max=40)])
    next = HiddenField()


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token (confirmation buttons)."""
