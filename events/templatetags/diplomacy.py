from django import template

from ..dates import datetime_attribute, format_partial_date

register = template.Library()


@register.simple_tag
def partial_date(date, precision="day", approximate=False):
    """A date at its precision: '19 November 2016', 'September 2016', '2016'."""
    return format_partial_date(date, precision, approximate)


@register.filter
def datetime_attr(date, precision="day"):
    """The `datetime` attribute of a <time> element at the date's precision."""
    return datetime_attribute(date, precision)
