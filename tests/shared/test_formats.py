"""Numbers, dates and times through the reader's locale, times in the school's time zone."""

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from flask_babel import force_locale

from shared.i18n import format_clock, format_day, format_moment, format_number, format_percentage
from shared.settings import ConfigError, TimeZone

WINTER_UTC = datetime(2026, 12, 1, 10, 24, tzinfo=UTC)  # 11:24 in Warsaw (CET)
SUMMER_UTC = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)   # 12:30 in Warsaw (CEST)
LATE_UTC = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)   # already 1 December in Warsaw


@pytest.fixture
def ctx(gradebook_app):
    with gradebook_app.test_request_context("/"):
        yield


@pytest.mark.parametrize(("lang", "value", "places", "expected"), [
    ("pl", Decimal("4.05"), 2, "4,05"), ("pl", 4.5, 2, "4,50"), ("pl", 1234.5, 1, "1\xa0234,5"),
    ("en", Decimal("4.05"), 2, "4.05"), ("uk", Decimal("4.05"), 2, "4,05"), ("pl", None, 2, "—"),
])
def test_decimals_use_the_locale_separator(ctx, lang, value, places, expected):
    with force_locale(lang):
        assert format_number(value, places) == expected


@pytest.mark.parametrize(("lang", "expected"), [("pl", "98,6%"), ("en", "98.6%")])
def test_percentages_take_a_0_to_100_value(ctx, lang, expected):
    with force_locale(lang):
        assert format_percentage(98.6) == expected
        assert format_percentage(None) == "—"


def test_times_are_shown_in_warsaw_whatever_the_season(ctx):
    with force_locale("pl"):
        assert format_moment(WINTER_UTC) == "1.12.2026, 11:24"
        assert format_moment(SUMMER_UTC) == "1.06.2026, 12:30"
        # A naive value from the database is UTC as well.
        assert format_moment(WINTER_UTC.replace(tzinfo=None)) == "1.12.2026, 11:24"


def test_the_date_of_a_late_evening_is_the_warsaw_date(ctx):
    with force_locale("pl"):
        assert format_day(LATE_UTC) == "1.12.2026"


def test_month_headings_are_nominative_month_names(ctx):
    with force_locale("pl"):
        assert format_day(date(2026, 12, 1), "month") == "grudzień 2026"
        assert format_day(date(2027, 2, 1), "month") == "luty 2027"
    with force_locale("uk"):
        assert format_day(date(2026, 12, 1), "month") == "грудень 2026"
    with force_locale("en"):
        assert format_day(date(2026, 12, 1), "month") == "December 2026"


def test_short_dates_and_day_month(ctx):
    with force_locale("pl"):
        assert format_day(date(2026, 12, 1)) == "1.12.2026"
        assert format_day(date(2026, 12, 1), "day") == "1.12"
        assert format_day(date(2026, 12, 1), "weekday") == "wtorek"
        assert format_day(None) == ""
    with force_locale("en"):
        assert format_day(date(2026, 12, 1)) == "12/1/26"


def test_lesson_times_are_wall_clock_times(ctx):
    with force_locale("pl"):
        assert format_clock(time(8, 0)) == "08:00"
    with force_locale("en"):
        assert format_clock(time(8, 0)) == "8:00\u202fAM"


def test_filters_are_registered_on_both_services(gradebook_app, idp_app):
    for app in (gradebook_app, idp_app):
        for name in ("day", "moment", "clock", "number", "percentage"):
            assert name in app.jinja_env.filters


def test_a_time_zone_setting_is_checked():
    assert TimeZone().parse("BABEL_DEFAULT_TIMEZONE", "Europe/Warsaw") == "Europe/Warsaw"
    with pytest.raises(ConfigError, match="BABEL_DEFAULT_TIMEZONE"):
        TimeZone().parse("BABEL_DEFAULT_TIMEZONE", "Europe/Atlantis")
