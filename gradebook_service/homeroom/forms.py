"""The administrator's form for the school's attendance threshold of risk."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired


class ThresholdForm(FlaskForm):
    attendance_threshold = StringField(
        _l("Attendance threshold of risk (%)"),
        validators=[InputRequired(_l("Give the threshold as a percentage."))])
