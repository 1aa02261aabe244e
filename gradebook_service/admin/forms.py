"""Forms of the school office pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class RosterForm(FlaskForm):
    file = FileField(_l("Roster file (CSV, UTF-8)"),
                     validators=[FileRequired(_l("Choose a CSV file."))])


class LettersForm(FlaskForm):
    class_name = SelectField(_l("Class"), choices=[], validate_choice=False)
    new_since = DateField(_l("Or: pupils who joined on or after"), validators=[Optional()])
    pupil_id = IntegerField(_l("Or: one pupil (id)"), validators=[Optional()])
    include_active = BooleanField(_l("Also reprint for families who already set their own "
                                     "password (their passwords will be replaced)"))


class HandoverForm(FlaskForm):
    received_by = StringField(_l("Received by (name as signed)"),
                              validators=[Optional(), Length(max=200)])


class ResetRequestForm(FlaskForm):
    login = StringField(_l("Login of the account"), validators=[
        DataRequired(_l("Enter the login.")), Length(max=64)])
    note = StringField(_l("Note (who asked, how identified)"),
                       validators=[Optional(), Length(max=500)])
