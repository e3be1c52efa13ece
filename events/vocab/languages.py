"""Language tags: BCP 47 validation and the names shown beside quotes."""

import langcodes
import pycountry
from django.core.exceptions import ValidationError


def validate_language_tag(value: str) -> None:
    if not langcodes.tag_is_valid(value) or value.lower() in {"und", "zxx", "mul", "mis"}:
        raise ValidationError(
            "%(value)s is not a BCP 47 language tag (e.g. en, fil, tl, zh, ja, ru).", params={"value": value}
        )


def language_name(tag: str) -> str:
    """'Filipino' for 'fil', 'Chinese' for 'zh-Hans'; the tag itself when unknown."""
    primary = tag.split("-")[0].lower()
    try:
        return pycountry.languages.lookup(primary).name
    except LookupError:
        return tag
