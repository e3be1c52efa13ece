"""What every record shares: fast links to its page, its validators, its slug."""

import functools

from django.core.validators import RegexValidator, URLValidator
from django.urls import get_script_prefix, reverse
from django.utils.text import slugify
from django.utils.translation import get_language

# Stand-ins that reverse() accepts and that occur in no real address.
_URL_PLACEHOLDERS = {"pk": "2147480001", "slug": "slug-stand-in-0x7e1"}


@functools.lru_cache(maxsize=32)
def _url_pattern(name: str, script_prefix: str, language: str | None, keys: tuple[str, ...]) -> str:
    return reverse(name, kwargs={key: _URL_PLACEHOLDERS[key] for key in keys})


def record_url(name: str, **kwargs) -> str:
    """`reverse(name, kwargs=...)` for the links a list repeats hundreds of times.

    Each pattern is reversed once per script prefix and language (`/fil/...`), with stand-ins, and then
    filled in: a list of 50 events links to some 250 records, and reverse()
    would be a tenth of the page's time. Only for ids and slugs, which need no
    quoting in a path.
    """
    url = _url_pattern(name, get_script_prefix(), get_language(), tuple(sorted(kwargs)))
    for key, value in kwargs.items():
        url = url.replace(_URL_PLACEHOLDERS[key], str(value))
    return url


@functools.lru_cache(maxsize=64)
def _choice_labels(choices: type, language: str | None) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def choice_label(choices: type, value: str) -> str:
    """`get_FOO_display()` for a field of these `models.TextChoices`, its labels translated once per language.

    Django's builds a dict of every choice, translating each label, on every
    call: the kind and the status of the 50 cards of a list were some 800
    translations, a sixth of the page's time (issue 16).
    """
    return _choice_labels(choices, get_language()).get(value, value)


http_url_validator = URLValidator(
    schemes=["http", "https"], message="Enter a web address that starts with http:// or https://."
)

wikidata_validator = RegexValidator(r"^Q[1-9][0-9]*$", "A Wikidata id is Q followed by digits, e.g. Q457.")


def unique_slug(text: str, *, is_taken, max_length: int = 80) -> str:
    """`text` slugified; a numeric suffix (`-2`, `-3`, ...) only while `is_taken(slug)` says another has it."""
    base = slugify(text)[:max_length].strip("-") or "item"
    slug, n = base, 2
    while is_taken(slug):
        suffix = f"-{n}"
        slug = base[: max_length - len(suffix)] + suffix
        n += 1
    return slug


def slug_taken_by_another(model, instance_pk=None):
    """`unique_slug`'s `is_taken` for a row of `model`: whether another row has the slug (a query each)."""
    others = model._default_manager.exclude(pk=instance_pk) if instance_pk else model._default_manager.all()
    return lambda slug: others.filter(slug=slug).exists()
