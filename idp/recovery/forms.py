"""Forms of the recovery pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from idp.accounts.forms import email_address, new_password_rules


class RequestResetForm(FlaskForm):
    """The address to send the link to."""

    email = EmailField(_l("Your e-mail address"), validators=[
        DataRequired(_l("Enter your e-mail address.")), Length(max=320), email_address])


class ResetForm(FlaskForm):
    """The new password, twice."""

    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Choose a password.")), new_password_rules])
    new_password_confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(_l("Repeat the password.")),
        EqualTo("new_password", _l("The two passwords are different."))])
