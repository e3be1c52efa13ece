"""
Countries, read once per process.

The country list is ISO 3166 reference data: migrations write it (0002 from
pycountry) and nothing else does; the admin shows it read-only. Every page
with a filter form needs all 249 names, and a timeline needs its two
countries, so they are read once per process instead of once per request.
A migration clears the copy (post_migrate), which covers the test databases
and any future data migration; a deployment restarts the workers anyway.
"""

import functools

from events.models.countries import Country


@functools.cache
def countries() -> dict[str, Country]:
    """Every country by ISO2 code (upper case), in name order."""
    return {country.iso2: country for country in Country.objects.order_by("name")}


def country(code: str) -> Country | None:
    """The country with this ISO2 code, in any case; None when there is none."""
    return countries().get(code.upper())


def country_choices() -> list[tuple[str, str]]:
    """(ISO2, name) pairs in name order, for choice fields."""
    return [(iso2, c.name) for iso2, c in countries().items()]


def forget(**kwargs) -> None:
    """Drop the copy (connected to post_migrate in apps.py)."""
    countries.cache_clear()
