"""Forms of the administrator's grading pages: categories and the school's grade rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from gradebook_service.grades.categories import COLOURS, MAX_WEIGHT


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"))
    weight = IntegerField(_l("Weight"), validators=[
        InputRequired(_l("Give the weight.")),
        NumberRange(0, MAX_WEIGHT, _l("The weight is a whole number from 0 to %(max)d.",
                                      max=MAX_WEIGHT))])
    colour = SelectField(_l("Colour"), choices=[SelectChoice(key, label)
                                                for key, label in COLOURS.items()])
    counts_to_average = BooleanField(_l("Counts to the average"), default=True)
    active = BooleanField(_l("Active (teachers can choose it for new columns)"), default=True)


class GradeRulesForm(FlaskForm):
    plus = DecimalField(_l("Value of “+” (added to the grade)"), places=2, validators=[
        InputRequired(_l("Give the value of “+”.")),
        NumberRange(0, 0.99, _l("“+” adds from 0 to 0.99."))])
    minus = DecimalField(_l("Value of “-” (taken from the grade)"), places=2, validators=[
        InputRequired(_l("Give the value of “-”.")),
        NumberRange(0, 0.99, _l("“-” takes from 0 to 0.99."))])
    non_average = StringField(_l("Marks shown but not averaged (comma-separated)"))
    disallowed = StringField(_l("Marks the school does not use (comma-separated, e.g. 6+, 1-)"),
                             validators=[Optional()])
    decimals = IntegerField(_l("Decimal places of averages"), validators=[
        InputRequired(_l("Give the number of decimal places.")),
        NumberRange(0, 3, _l("From 0 to 3 decimal places."))])
    descriptive_levels = StringField(_l("Class levels with descriptive term and year grades "
                                        "(comma-separated, e.g. 1, 2, 3)"),
                                     validators=[Optional()])
