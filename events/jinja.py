"""
The Jinja2 environment of the event cards (templates/jinja2/).

A timeline page shows 50 events with their participants, quotes and sources:
some 2,500 values to place. Django's template language spends about 8 µs on
each (variable resolution, context stacks, includes); Jinja2 compiles the
same template to Python and spends a fraction of that, which on a page
rendered afresh is most of the request. The rest of each page stays in
Django templates; `{% event_cards %}` (templatetags/cards.py) calls in here.
Autoescaping is on, as in Django templates: stored text is never marked safe.
"""

from django.template.defaultfilters import linebreaksbr
from django.utils.dateformat import format as format_date
from jinja2 import Environment

from .dates import datetime_attribute
from .models import publisher_for
from .templatetags.diplomacy import labelled_sources


def environment(**options) -> Environment:
    env = Environment(**options)
    env.filters.update(
        datetime_attr=datetime_attribute,
        date=format_date,
        linebreaksbr=linebreaksbr,  # Escapes its input, returns a SafeString (which Jinja2 honours).
        labelled_sources=labelled_sources,
        source_publisher=publisher_for,
    )
    return env
