"""Forms of the administrator's setup pages (every message explains the problem in Polish)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from gradebook_service.accounts.forms import Email
from gradebook_service.school.calendar_rules import VOIVODESHIPS

DATE_MESSAGE = _l("Enter a date like 2026-11-02.")


def options(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs (WTForms 3.3 deprecates bare tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


class SchoolForm(FlaskForm):
    name = StringField(_l("Full name of the school"), validators=[
        DataRequired(_l("Enter the school's full name.")), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[
        DataRequired(_l("Enter a short name.")), Length(max=60)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("Office e-mail"), validators=[
        Optional(), Length(max=320), Email(_l("Enter an e-mail address like "
                                              "sekretariat@szkola.pl."))])
    voivodeship = SelectField(_l("Voivodeship (decides the winter break group)"),
                              choices=options([("", "—"), *VOIVODESHIPS.items()]),
                              validate_choice=True)


class YearForm(FlaskForm):
    name = StringField(_l("School year"), validators=[
        DataRequired(_l("Enter the school year like 2027/2028.")), Length(max=20)])
    term2_starts_on = DateField(_l("First day of term 2 (empty: the first Monday of February)"),
                                validators=[Optional()], format="%Y-%m-%d")
    current = BooleanField(_l("Make it the current year now"))


class YearDatesForm(FlaskForm):
    starts_on = DateField(_l("First day of lessons"), format="%Y-%m-%d",
                          validators=[InputRequired(DATE_MESSAGE)])
    term2_starts_on = DateField(_l("First day of term 2"), format="%Y-%m-%d",
                                validators=[InputRequired(DATE_MESSAGE)])
    ends_on = DateField(_l("Last day of lessons"), format="%Y-%m-%d",
                        validators=[InputRequired(DATE_MESSAGE)])


class FreeDayForm(FlaskForm):
    starts_on = DateField(_l("Day (or first day)"), format="%Y-%m-%d",
                          validators=[InputRequired(DATE_MESSAGE)])
    ends_on = DateField(_l("Last day (empty: just the one day)"), format="%Y-%m-%d",
                        validators=[Optional()])
    name = StringField(_l("Reason"), validators=[
        DataRequired(_l("Say why there are no lessons.")), Length(max=120)])


class WinterBreakForm(FlaskForm):
    starts_on = DateField(_l("First day of the winter break (a Monday)"), format="%Y-%m-%d",
                          validators=[InputRequired(DATE_MESSAGE)])


class ClassForm(FlaskForm):
    name = StringField(_l("Class name"), validators=[
        DataRequired(_l("Enter the class name like 1a.")), Length(max=10)])
    homeroom_teacher_id = SelectField(_l("Homeroom teacher"), coerce=int, choices=[],
                                      validate_choice=True)


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class GroupForm(FlaskForm):
    name = StringField(_l("Group name"), validators=[
        DataRequired(_l("Name the group.")), Length(max=60)])
    pupils = MultiCheckboxField(_l("Pupils in the group"), coerce=int, choices=[],
                                validate_choice=True)


class SubjectForm(FlaskForm):
    name = StringField(_l("Subject"), validators=[
        DataRequired(_l("Enter the subject's name.")), Length(max=100)])
    short_name = StringField(_l("Short name"), validators=[
        DataRequired(_l("Enter a short name like mat.")), Length(max=20)])


class RolesForm(FlaskForm):
    is_teacher = BooleanField(_l("Teacher"))
    is_secretary = BooleanField(_l("Secretary"))
    is_admin = BooleanField(_l("Administrator"))


class AssignmentForm(FlaskForm):
    target = SelectField(_l("Class or group"), choices=[], validate_choice=True,
                         validators=[DataRequired(_l("Choose a class or a group."))])
    subject_id = SelectField(_l("Subject"), coerce=int, choices=[], validate_choice=True)
    teacher_id = SelectField(_l("Teacher"), coerce=int, choices=[], validate_choice=True)


class MoveForm(FlaskForm):
    """Move a pupil to another class or group on a date (the history keeps both)."""

    class_id = SelectField(_l("New class"), coerce=int, choices=[], validate_choice=True)
    group_ids = MultiCheckboxField(_l("Groups in the new class"), coerce=int, choices=[],
                                   validate_choice=True)
    on = DateField(_l("From (the first day in the new class)"), format="%Y-%m-%d",
                   validators=[InputRequired(DATE_MESSAGE)])


class LeaveForm(FlaskForm):
    """Strike a pupil off the list of pupils (skreślenie) on a date, with the reason."""

    on = DateField(_l("Last day on the list"), format="%Y-%m-%d",
                   validators=[InputRequired(DATE_MESSAGE)])
    reason = StringField(_l("Reason (e.g. moved to another school)"), validators=[
        DataRequired(_l("Give the reason.")), Length(max=300)])


class RolloverForm(FlaskForm):
    """The rollover wizard: the next year's name and the pupils who repeat a year."""

    to_year = StringField(_l("Next school year"), validators=[
        DataRequired(_l("Name the next year, like 2027/2028.")), Length(max=20)])
    repeating = MultiCheckboxField(_l("Pupils who repeat the year"), coerce=int, choices=[],
                                   validate_choice=True)


class RetentionForm(FlaskForm):
    """How long families keep reading the register after leaving or graduating."""

    leaving_grace_days = StringField(_l("Days a family keeps access after the pupil left"),
                                     validators=[DataRequired(_l("Give a number of days."))])
    graduate_retention_days = StringField(
        _l("Days graduates' families keep access after the year ends"),
        validators=[DataRequired(_l("Give a number of days."))])
