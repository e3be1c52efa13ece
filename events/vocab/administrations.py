"""The administrations of the Philippines: the eras a timeline, a chart and a TimelineJS file mark (terms change at noon on 30 June)."""

import datetime
import functools
from dataclasses import dataclass

from django.utils.translation import gettext


@dataclass(frozen=True)
class Administration:
    president: str
    short_name: str
    start: datetime.date
    end: datetime.date | None  # The successor's first day; None while in office.

    def __str__(self):
        return f"{self.short_name} administration"

    def covers(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    @property
    def span(self) -> str:
        end = self.end.year if self.end else gettext("present")
        return f"{self.start.year}–{end}"


ADMINISTRATIONS = (
    Administration("Fidel V. Ramos", "Ramos", datetime.date(1992, 6, 30), datetime.date(1998, 6, 30)),
    Administration("Joseph Estrada", "Estrada", datetime.date(1998, 6, 30), datetime.date(2001, 1, 20)),
    Administration("Gloria Macapagal Arroyo", "Arroyo", datetime.date(2001, 1, 20), datetime.date(2010, 6, 30)),
    Administration("Benigno Aquino III", "Aquino III", datetime.date(2010, 6, 30), datetime.date(2016, 6, 30)),
    Administration("Rodrigo Duterte", "Duterte", datetime.date(2016, 6, 30), datetime.date(2022, 6, 30)),
    Administration("Ferdinand Marcos Jr.", "Marcos Jr.", datetime.date(2022, 6, 30), None),
)


# Cached: a timeline page asks for each of its events' dates, a chart for each of its periods' middle days.
@functools.lru_cache(maxsize=4096)
def administration_for(day: datetime.date | None) -> Administration | None:
    """The Philippine administration in office on `day` (the incoming one on a handover day)."""
    if day is None:
        return None
    return next((a for a in ADMINISTRATIONS if a.covers(day)), None)
