"""Money is integer pence; Decimal only at the edges."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_POUNDS = re.compile(r"^-?\d+\.\d{2}$")


class MoneyFormatError(ValueError):
    pass


def parse_pounds(text: str) -> int:
    """'113.69' -> 11369; exactly two decimals, no floats."""
    value = (text or "").strip()
    if not _POUNDS.match(value):
        raise MoneyFormatError(f"'{text}' is not an amount in pounds with exactly two decimals (like 113.69)")
    try:
        return int((Decimal(value) * 100).to_integral_exact())
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise MoneyFormatError(str(exc)) from exc


def round_half_up_div(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest whole number, ties away from zero
    (``Decimal``'s ROUND_HALF_UP), in integers so no float ever touches money.
    ``denominator`` is positive (a count of periods, months, weeks)."""
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return q if numerator >= 0 else -q


def format_pence(pence: int, *, sign: bool = False) -> str:
    """11369 -> '£113.69'; 123456 -> '£1,234.56'. Negative values show a minus only when sign=True."""
    magnitude = abs(pence)
    text = f"£{magnitude // 100:,}.{magnitude % 100:02d}"
    if sign and pence < 0:
        return f"-{text}"
    return text


def dr_cr(balance_pence: int) -> str:
    if balance_pence > 0:
        return "DR"
    if balance_pence < 0:
        return "CR"
    return ""


def balance_words(balance_pence: int) -> str:
    """What a balance means, in words (plain English: the GOV.UK style guide). Owed, never
    "arrears": only overdue money is arrears, and what of a balance is overdue is for
    ``services/accounts/owed.py`` to say from the ledger, not for a bare balance."""
    if balance_pence > 0:
        return f"You owe {format_pence(balance_pence)}"
    if balance_pence < 0:
        return f"You are {format_pence(balance_pence)} in credit"
    return "Your account is clear: you owe nothing"


def balance_display(balance_pence: int) -> str:
    code = dr_cr(balance_pence)
    return f"{format_pence(balance_pence)} {code}".strip()
