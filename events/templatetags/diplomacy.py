from django import template

from ..dates import datetime_attribute, format_partial_date
from ..models import publisher_for

register = template.Library()


@register.simple_tag
def partial_date(date, precision="day", approximate=False):
    """A date at its precision: '19 November 2016', 'September 2016', '2016'."""
    return format_partial_date(date, precision, approximate)


@register.filter
def datetime_attr(date, precision="day"):
    """The `datetime` attribute of a <time> element at the date's precision."""
    return datetime_attribute(date, precision)


@register.filter
def labelled_sources(sources):
    """(source, link text) pairs: the title, else the publisher, numbered when a publisher repeats.

    Two articles from manilatimes.net read "manilatimes.net" and "manilatimes.net (2)",
    so that no two links on a card share a name while pointing elsewhere.
    """
    seen: dict[str, int] = {}
    labelled = []
    for source in sources:
        label = source.title or source.publisher or source.url
        seen[label] = seen.get(label, 0) + 1
        labelled.append((source, label if seen[label] == 1 else f"{label} ({seen[label]})"))
    return labelled


@register.filter
def source_publisher(url):
    """The publisher of a source's URL from the publisher table (#13), or None."""
    return publisher_for(url)
