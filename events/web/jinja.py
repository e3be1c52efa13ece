"""
The Jinja2 environment of every public page (templates/jinja2/); the admin stays on Django templates.

A timeline page shows 50 events with their participants, quotes and sources:
some 2,500 values to place. Django's template language spends about 8 µs on
each (variable resolution, context stacks, includes); Jinja2 compiles the
same template to Python and spends a fraction of that, which on a page
rendered afresh is most of the request. One engine for every page, so that a
page and its pieces (templates/jinja2/macros.html) are read the same way.
Autoescaping is on, as in Django templates: stored text is never marked
safe; only `linebreaksbr`'s output, which escapes its input itself, arrives
marked safe.
"""

import functools
import itertools

from django.template.defaultfilters import linebreaksbr, pluralize, truncatewords
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.dateformat import format as format_date
from jinja2 import Environment

from events.models import publisher_for, publisher_from_url
from events.queries.temperature import format_score
from events.vocab.administrations import administration_for
from events.vocab.dates import datetime_attribute
from events.vocab.plover import PloverCategory, Quad, quad_of, score_source
from events.web import cards


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


def regroup(items, attribute: str):
    """Consecutive items sharing `attribute` (dotted), as (value, items) pairs, in their order.

    Django's `{% regroup %}`: unlike Jinja2's `groupby`, it keeps the order the
    query gave instead of sorting by the value.
    """

    def key(item):
        for part in attribute.split("."):
            item = getattr(item, part)
        return item

    return [(value, list(group)) for value, group in itertools.groupby(items, key=key)]


def administration_headings(years) -> dict:
    """{event id: administration} for the first event of a page and each where another administration begins."""
    headings, current = {}, None
    for year in years:
        for month in year.months:
            for event in month.events:
                administration = administration_for(event.date)
                if administration is not None and administration != current:
                    headings[event.pk] = current = administration
    return headings


def plover_coding(event) -> dict | None:
    """An event's PLOVER coding and score, in words; None when uncoded.

    Names the countries from prefetched `involvements` when present (as the
    event page has them), else through the foreign keys.
    """
    if not event.plover_category:
        return None
    names = {}
    if "involvements" in getattr(event, "_prefetched_objects_cache", {}):
        names = {i.country_id: i.country.name for i in event.involvements.all()}

    def name(field):
        code = getattr(event, f"{field}_id")
        return names.get(code) or (getattr(event, field).name if code else "")

    quad = quad_of(event.plover_category)
    return {
        "category": PloverCategory(event.plover_category).label,
        "mode": event.plover_mode,
        "quad": Quad(quad).label if quad else "",
        "actor": name("actor_country"),
        "target": name("target_country"),
        "score": format_score(event.score),
        "overridden": event.score_override is not None,
        "justification": event.score_justification,
        "source": score_source(event.plover_category, event.plover_mode),
        "reviewed": event.plover_reviewed,
    }


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


# The interface's languages: the code in `lang` and `hreflang`, the name the switch shows (in that
# language), and the prefix of its addresses (English has none: prefix_default_language=False).
INTERFACE_LANGUAGES = {"en": ("English", ""), "fil": ("Filipino", "/fil")}


def page_language() -> str:
    """`fil` on the Filipino pages, `en` on every other: the value of `<html lang>` and `hreflang`."""
    return "fil" if translation.get_language() == "fil" else "en"


def language_versions(request) -> dict[str, str]:
    """{language: this page's address in it, query string kept}: the hreflang alternates and the switch.

    The addresses differ only by the prefix, so this works on any page, a 404 included. A path
    that starts with `//` (a 404 for `/fil//elsewhere.example/`) keeps one slash: written as is,
    it would be a link to another site.
    """
    path = request.get_full_path()
    prefix = INTERFACE_LANGUAGES[page_language()][1]
    if prefix and (path == prefix or path.startswith(f"{prefix}/")):
        path = path[len(prefix) :]
    path = "/" + path.lstrip("/")
    return {code: f"{language_prefix}{path}" for code, (_name, language_prefix) in INTERFACE_LANGUAGES.items()}


@functools.lru_cache(maxsize=4096)
def _translated(language: str | None, message: str) -> str:
    return translation.gettext(message)  # `language` is the active one: the caller read it


def gettext(message: str) -> str:
    """Django's gettext, remembered per language.

    A list's 50 cards ask for the same few strings some 150 times, and each of
    Django's lookups walks a chain of five catalogues (issue 16).
    """
    return _translated(translation.get_language(), message)


def environment(**options) -> Environment:
    # Strings marked `_("...")` / `{% trans %}` in the templates go through Django's gettext: the
    # catalogue in locale/ (docs/i18n.md). New-style: `_()` formats its own `%(name)s` and escapes them.
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    env = Environment(**options)
    env.install_gettext_callables(
        gettext,
        translation.ngettext,
        newstyle=True,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
    )
    env.globals.update(
        url=url,
        static=static,
        administration_headings=administration_headings,
        render_cards=cards.render_cards,  # each card once per row, on the pages the page cache serves
        events_of=cards.events_of,
        plover_coding=plover_coding,
        page_language=page_language,
        language_versions=language_versions,
        interface_languages=INTERFACE_LANGUAGES,
    )
    env.filters.update(
        datetime_attr=datetime_attribute,
        date=format_date,
        linebreaksbr=linebreaksbr,  # Escapes its input, returns a SafeString (which Jinja2 honours).
        labelled_sources=labelled_sources,
        source_publisher=publisher_for,
        source_host=publisher_from_url,  # 'manilatimes.net': a source's name when no publisher is known
        pluralize=pluralize,
        truncatewords=truncatewords,
        regroup=regroup,
    )
    return env


def render_macro(template_name: str, macro_name: str, *args) -> str:
    """One macro of a template, rendered on its own: the benchmark and the tests time and read the pieces."""
    from django.template import engines

    return str(getattr(engines["jinja2"].env.get_template(template_name).module, macro_name)(*args))
