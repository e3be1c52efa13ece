"""Language tags: BCP 47 validation and the names shown beside quotes."""

import langcodes
import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The languages quotes are mostly in, named in the interface's language ("Ruso" on a Filipino page);
# the English names are pycountry's. Any other language keeps pycountry's English name.
COMMON_LANGUAGE_NAMES = {
    "en": _("English"),
    "fil": _("Filipino"),
    "tl": _("Tagalog"),
    "zh": _("Chinese"),
    "ja": _("Japanese"),
    "ko": _("Korean"),
    "ru": _("Russian"),
    "id": _("Indonesian"),
    "vi": _("Vietnamese"),
    "es": _("Spanish"),
    "fr": _("French"),
    "de": _("German"),
    "ar": _("Arabic"),
}


def validate_language_tag(value: str) -> None:
    if not langcodes.tag_is_valid(value) or value.lower() in {"und", "zxx", "mul", "mis"}:
        raise ValidationError(
            "%(value)s is not a BCP 47 language tag (e.g. en, fil, tl, zh, ja, ru).", params={"value": value}
        )


def language_name(tag: str) -> str:
    """'Filipino' for 'fil', 'Chinese' for 'zh-Hans'; the tag itself when unknown."""
    primary = tag.split("-")[0].lower()
    if primary in COMMON_LANGUAGE_NAMES:
        return str(COMMON_LANGUAGE_NAMES[primary])
    try:
        return pycountry.languages.lookup(primary).name
    except LookupError:
        return tag
