"""The registration and resend forms (field names are a contract: docs/architecture.md 5.4)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from idp.accounts.forms import email_address
from idp.accounts.services import PasswordRejected, check_new_password


class RegistrationForm(FlaskForm):
    """E-mail, own password, the school login and password, a parent's address for pupils."""

    email = EmailField(_l("Your e-mail address"), validators=[
        DataRequired(_l("Enter your e-mail address.")), Length(max=320), email_address])
    password = PasswordField(_l("New password for your account"), validators=[
        DataRequired(_l("Choose a password."))])
    password_confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(_l("Repeat the password.")),
        EqualTo("password", _l("The two passwords are different."))])
    school_login = StringField(_l("School login"), validators=[
        DataRequired(_l("Enter the login from the school's welcome letter.")), Length(max=64)])
    school_password = PasswordField(_l("School password"), validators=[
        DataRequired(_l("Enter the password you use to sign in to the e-register.")),
        Length(max=1024)])
    parent_email = EmailField(_l("Parent's or guardian's e-mail address (pupils only)"),
                              validators=[Optional(), Length(max=320), email_address])
    accept_terms = BooleanField(_l("I accept the terms of use and have read the privacy notice"),
                                validators=[DataRequired(_l("You must accept the terms to "
                                                            "create an account."))])

    def validate_password(self, field) -> None:
        """Show every rule the password fails (the school's rule and the deny list)."""
        try:
            check_new_password(field.data or "",
                               context=(self.email.data or "", self.school_login.data or ""))
        except PasswordRejected as exc:
            messages = [str(message) for message in exc.result.messages()]
            field.errors.extend(messages[:-1])
            raise ValidationError(messages[-1]) from None

    def validate_parent_email(self, field) -> None:
        """The parent's address must not be the pupil's own."""
        if field.data and self.email.data and field.data == self.email.data:
            raise ValidationError(_l("Give your parent's address, not your own."))


class ResendForm(FlaskForm):
    """Ask for a new activation link."""

    email = EmailField(_l("Your e-mail address"), validators=[
        DataRequired(_l("Enter your e-mail address.")), Length(max=320), email_address])


class ActivateForm(FlaskForm):
    """The confirmation button on the activation page (only the POST activates)."""
