"""Forms of the school office pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp


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


class StaffForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[
        DataRequired(_l("Enter the first name.")), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[
        DataRequired(_l("Enter the last name.")), Length(max=100)])
    login = StringField(_l("Login"), validators=[
        DataRequired(_l("Enter the login.")),
        Regexp(r"^[a-zA-Z][a-zA-Z0-9._-]{2,31}$",
               message=_l("3–32 letters, digits, dots, dashes or underscores, starting with a "
                          "letter."))])
    email = StringField(_l("E-mail (optional)"), validators=[Optional(), Length(max=320)])
    is_teacher = BooleanField(_l("Teacher"))
    is_secretary = BooleanField(_l("Secretary"))
    is_admin = BooleanField(_l("Administrator"))


class HomeroomForm(FlaskForm):
    teacher_id = SelectField(_l("Homeroom teacher"), choices=[], coerce=int,
                             validate_choice=True)


class TermsForm(FlaskForm):
    body = TextAreaField(_l("Text of the new terms"), validators=[
        DataRequired(_l("Enter the text.")), Length(max=20000)])
