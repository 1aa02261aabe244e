"""The consent form (field names are a contract: docs/architecture.md 5.4)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import Length


class ConsentForm(FlaskForm):
    """The parent's school login and password; the decision comes from the button pressed."""

    school_login = StringField(_l("Parent's school login"), validators=[Length(max=64)])
    school_password = PasswordField(_l("Password for that login"), validators=[Length(max=1024)])


class ButtonForm(FlaskForm):
    """A form with only its CSRF token."""
