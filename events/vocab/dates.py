"""
Partial dates: "2016", "2016-09" and "2016-09-06", optionally approximate ("2016-09~").

A partial date is stored as two fields: the first day of the period (the sort
key, an ordinary DateField that indexes and compares) and its precision. They
are displayed at their precision, so a month-only date reads "September 2016"
and never "1 September 2016".
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy


class Precision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


_PARTIAL_DATE = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?(?P<approx>~)?$")


@dataclass(frozen=True)
class PartialDate:
    date: datetime.date
    precision: str = Precision.DAY
    approximate: bool = False

    @classmethod
    def parse(cls, text: str) -> "PartialDate":
        """Parse `YYYY`, `YYYY-MM` or `YYYY-MM-DD` with an optional trailing `~`.

        Raises ValueError with a message a person can act on.
        """
        text = (text or "").strip()
        match = _PARTIAL_DATE.match(text)
        if not match:
            raise ValueError(
                f"{text!r} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD, with ~ at the end if approximate"
            )
        year = int(match["year"])
        month = int(match["month"] or 1)
        day = int(match["day"] or 1)
        if year < 1:
            raise ValueError(f"{text!r}: year must be 0001 or later")
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r}: month {month} does not exist")
        last_day = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last_day:
            raise ValueError(f"{text!r}: {calendar.month_name[month]} {year} has {last_day} days")
        precision = Precision.DAY if match["day"] else Precision.MONTH if match["month"] else Precision.YEAR
        return cls(datetime.date(year, month, day), precision, bool(match["approx"]))

    def iso(self) -> str:
        """The import/export form: as precise as the date is, `~` when approximate."""
        text = {
            Precision.DAY: self.date.strftime("%Y-%m-%d"),
            Precision.MONTH: self.date.strftime("%Y-%m"),
            Precision.YEAR: f"{self.date.year:04d}",
        }[self.precision]
        return text + ("~" if self.approximate else "")

    def __str__(self) -> str:
        return format_partial_date(self.date, self.precision, self.approximate)

    @property
    def last_day(self) -> datetime.date:
        """The last day of the period the date stands for."""
        if self.precision == Precision.YEAR:
            return datetime.date(self.date.year, 12, 31)
        if self.precision == Precision.MONTH:
            return self.date.replace(day=calendar.monthrange(self.date.year, self.date.month)[1])
        return self.date


# The same messages as Django's own month names, so that the `date` filter's "F" (django.utils.dates)
# and these agree in every language: "Nobyembre" on the Filipino pages (docs/i18n.md).
MONTH_NAMES = (
    gettext_lazy("January"),
    gettext_lazy("February"),
    gettext_lazy("March"),
    gettext_lazy("April"),
    gettext_lazy("May"),
    gettext_lazy("June"),
    gettext_lazy("July"),
    gettext_lazy("August"),
    gettext_lazy("September"),
    gettext_lazy("October"),
    gettext_lazy("November"),
    gettext_lazy("December"),
)


# A chart's axis: "Oct 2016", "Okt 2016".
MONTH_ABBREVIATIONS = (
    pgettext_lazy("abbreviated month", "Jan"),
    pgettext_lazy("abbreviated month", "Feb"),
    pgettext_lazy("abbreviated month", "Mar"),
    pgettext_lazy("abbreviated month", "Apr"),
    pgettext_lazy("abbreviated month", "May"),
    pgettext_lazy("abbreviated month", "Jun"),
    pgettext_lazy("abbreviated month", "Jul"),
    pgettext_lazy("abbreviated month", "Aug"),
    pgettext_lazy("abbreviated month", "Sep"),
    pgettext_lazy("abbreviated month", "Oct"),
    pgettext_lazy("abbreviated month", "Nov"),
    pgettext_lazy("abbreviated month", "Dec"),
)


def month_name(month: int) -> str:
    """'November', or 'Nobyembre' on a Filipino page."""
    return str(MONTH_NAMES[month - 1])


def month_abbreviation(month: int) -> str:
    """'Nov', or 'Nob' on a Filipino page."""
    return str(MONTH_ABBREVIATIONS[month - 1])


def format_partial_date(date: datetime.date | None, precision: str, approximate: bool = False) -> str:
    """'19 November 2016', 'September 2016' or '2016', with 'about' when approximate; in the active language."""
    if date is None:
        return ""
    if precision == Precision.YEAR:
        text = str(date.year)
    elif precision == Precision.MONTH:
        text = f"{month_name(date.month)} {date.year}"
    else:
        text = f"{date.day} {month_name(date.month)} {date.year}"
    # Translators: an approximate date, "about September 2016".
    return gettext("about %(date)s") % {"date": text} if approximate else text


def datetime_attribute(date: datetime.date | None, precision: str) -> str:
    """The value of an HTML <time datetime> attribute at the date's precision."""
    if date is None:
        return ""
    return PartialDate(date, precision).iso()


def normalise(date: datetime.date, precision: str) -> datetime.date:
    """The first day of the period, so that sorting by the stored date is right."""
    if precision == Precision.YEAR:
        return date.replace(month=1, day=1)
    if precision == Precision.MONTH:
        return date.replace(day=1)
    return date
