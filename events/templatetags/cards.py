"""`{% timeline %}`, `{% event_cards %}`, `{% quotes %}` and `{% temperature_chart %}`: rendered by the Jinja2 templates (events/jinja.py)."""

from django import template
from django.template import engines
from django.utils.safestring import mark_safe

from ..temperature import administration_for

register = template.Library()


def _render(name: str, context: dict) -> str:
    # The Jinja2 templates escape every value themselves (autoescape on); marking
    # their output safe only stops Django from escaping the markup a second time.
    return mark_safe(engines["jinja2"].get_template(name).render(context))


@register.simple_tag
def timeline(years, level=2):
    """A page of events under year and month headings (`years`: timeline.by_year_and_month()).

    A heading marks the first event of the page and each event where another
    Philippine administration begins.
    """
    headings, current = {}, None
    for year in years:
        for month in year.months:
            for event in month.events:
                administration = administration_for(event.date)
                if administration is not None and administration != current:
                    headings[event.pk] = current = administration
    return _render("events/_timeline.html", {"years": years, "level": level, "headings": headings})


@register.simple_tag
def event_cards(events, level=3):
    """Events as an `<ol class="timeline">` of cards with `<h{level}>` titles."""
    return _render("events/_cards.html", {"events": events, "level": level})


@register.simple_tag
def quotes(quotes):
    """Quotes, each in its original language with its English translation beside it."""
    return _render("events/_quotes.html", {"quotes": quotes})


@register.simple_tag
def temperature_chart(chart):
    """A relationship's temperature chart and its table (`chart`: a temperature.TemperatureChart)."""
    return _render("events/_temperature_chart.html", {"chart": chart})
