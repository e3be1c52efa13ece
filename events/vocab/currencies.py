"""Currency codes: ISO 4217 validation for commitments' amounts."""

import pycountry
from django.core.exceptions import ValidationError


def validate_currency_code(value: str) -> None:
    """An ISO 4217 currency code in capitals: USD, PHP, JPY."""
    if value and (value != value.upper() or pycountry.currencies.get(alpha_3=value) is None):
        raise ValidationError(
            "%(value)s is not an ISO 4217 currency code (e.g. USD, PHP, JPY, CNY).", params={"value": value}
        )
