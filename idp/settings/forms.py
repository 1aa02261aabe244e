"""Forms of the account settings pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from idp.accounts.forms import email_address, new_password_rules

_CURRENT = _l("Your current password")
_ENTER_CURRENT = _l("Enter your current password.")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_CURRENT, validators=[DataRequired(_ENTER_CURRENT)])
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Choose a password.")), new_password_rules])
    new_password_confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(_l("Repeat the password.")),
        EqualTo("new_password", _l("The two passwords are different."))])


class ChangeEmailForm(FlaskForm):
    new_email = EmailField(_l("New e-mail address"), validators=[
        DataRequired(_l("Enter the new address.")), Length(max=320), email_address])
    current_password = PasswordField(_CURRENT, validators=[DataRequired(_ENTER_CURRENT)])


class PasswordConfirmForm(FlaskForm):
    current_password = PasswordField(_CURRENT, validators=[DataRequired(_ENTER_CURRENT)])


class TotpEnableForm(FlaskForm):
    code = StringField(_l("Code from the app"), validators=[
        DataRequired(_l("Enter the 6-digit code.")), Length(max=12)])


class LinkSchoolForm(FlaskForm):
    school_login = StringField(_l("School login"), validators=[
        DataRequired(_l("Enter the login from the school's welcome letter.")), Length(max=64)])
    school_password = PasswordField(_l("School password"), validators=[
        DataRequired(_l("Enter the password of that login.")), Length(max=1024)])


class DeleteAccountForm(FlaskForm):
    current_password = PasswordField(_CURRENT, validators=[DataRequired(_ENTER_CURRENT)])
    confirm = BooleanField(_l("I understand that the account and its links are deleted for good"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


class ButtonForm(FlaskForm):
    """A form with only its CSRF token."""
