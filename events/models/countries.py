"""Countries: ISO 3166 reference data, read once per process."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper


class CountryQuerySet(models.QuerySet):
    def get_by_natural_key(self, iso2):
        return self.get(iso2=iso2)


class Country(models.Model):
    """An ISO 3166-1 country, loaded from pycountry by a data migration."""

    iso2 = models.CharField("ISO 3166-1 alpha-2", max_length=2, primary_key=True)
    iso3 = models.CharField("ISO 3166-1 alpha-3", max_length=3, unique=True)
    name = models.CharField(max_length=100, help_text="Common English short name.")
    official_name = models.CharField(max_length=200, blank=True)

    objects = CountryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(condition=Q(iso2=Upper("iso2")), name="country_iso2_upper_case"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.iso2,)

    @property
    def code(self) -> str:
        """The lower-case code used in URLs (`/relationships/ph-ru/`)."""
        return self.iso2.lower()
