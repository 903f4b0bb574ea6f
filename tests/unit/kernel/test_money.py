"""The money kernel's integer division: pence per year into pence per month or week."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from portal_app.services.money import round_half_up_div


@pytest.mark.parametrize(
    "numerator, denominator, expected",
    [
        (6, 12, 1),  # half a penny rounds up
        (5, 12, 0),
        (-6, 12, -1),  # and a half-penny credit rounds away from zero too
        (-5, 12, 0),
        (520000, 12, 43333),
        (0, 7, 0),
    ],
)
def test_a_half_penny_rounds_away_from_zero_and_anything_less_rounds_down(numerator, denominator, expected):
    assert round_half_up_div(numerator, denominator) == expected


def test_dividing_whole_pence_agrees_with_decimal_round_half_up_for_every_amount():
    for denominator in (1, 2, 12, 13, 26, 52):
        for numerator in range(-3000, 3001):
            exact = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            assert round_half_up_div(numerator, denominator) == int(exact), (numerator, denominator)
