"""Sign-in and account forms (field names are part of docs/architecture.md 5.4)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

#: A light check; the confirmation link proves the address works.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def Email(message):  # noqa: N802 - reads like the WTForms validator it replaces
    return Regexp(EMAIL_PATTERN, message=message)


class LoginForm(FlaskForm):
    login = StringField(_l("Login"), validators=[DataRequired(_l("Enter your login.")),
                                                 Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                         Length(max=1024)])


class SecondFactorForm(FlaskForm):
    code = StringField(_l("Code from the authenticator app or a recovery code"),
                       validators=[DataRequired(_l("Enter the code.")), Length(max=32)])


class FirstLoginForm(FlaskForm):
    new_password = PasswordField(_l("New password"), validators=[Length(max=1024)])
    new_password_confirm = PasswordField(_l("Repeat the new password"),
                                         validators=[Length(max=1024)])
    accept_terms = BooleanField(_l("I have read and accept the terms of use"))
    email = EmailField(_l("E-mail for password recovery (optional, recommended)"),
                       validators=[Optional(), Email(_l("Enter a valid e-mail address.")),
                                   Length(max=320)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(_l("Enter your current password."))])
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter a new password.")), Length(max=1024)])
    new_password_confirm = PasswordField(_l("Repeat the new password"), validators=[
        EqualTo("new_password", _l("The two passwords differ."))])


class RecoveryEmailForm(FlaskForm):
    email = EmailField(_l("E-mail for password recovery"), validators=[
        DataRequired(_l("Enter an e-mail address.")), Email(_l("Enter a valid e-mail address.")),
        Length(max=320)])


class ResetRequestForm(FlaskForm):
    login = StringField(_l("Login"), validators=[DataRequired(_l("Enter your login.")),
                                                 Length(max=64)])


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter a new password.")), Length(max=1024)])
    new_password_confirm = PasswordField(_l("Repeat the new password"), validators=[
        EqualTo("new_password", _l("The two passwords differ."))])


class TotpEnableForm(FlaskForm):
    code = StringField(_l("Code shown by the app"), validators=[
        DataRequired(_l("Enter the code.")), Length(max=16)])


class ConfirmForm(FlaskForm):
    """A form with nothing but the CSRF token (buttons that change something)."""
