"""Money as residents see it: the amount with DR/CR, what it means in words, and when.

The words come from ``services/money.py`` (``balance_display``: "£123.45 DR";
``services/accounts/owed.py``: "You owe £10,348.00, paid in instalments of £150.00 a month;
nothing is overdue", or "You owe £123.45 (arrears)"); this draws them the same way on every
page (DESIGN.md, "Money and time"): the amount large, in the error red only when some of it is overdue,
then the words in bold, which say the same for anyone who does not read colour or DR/CR,
then the time the figure is from.
"""

from __future__ import annotations

import reflex as rx


def balance(amount: rx.Var, words: rx.Var, arrears: rx.Var, as_at: rx.Var | None = None) -> rx.Component:
    """A balance: ``amount`` ("£123.45 DR"), ``words`` ("You owe £123.45 (arrears)"),
    ``arrears`` (a bool Var: true only when money is overdue) and, if given, ``as_at``."""
    return rx.fragment(
        rx.el.p(amount, class_name=rx.cond(arrears, "balance balance--arrears", "balance")),
        rx.el.p(rx.el.strong(words)),
        rx.el.p("As at ", as_at, class_name="caption") if as_at is not None else rx.fragment(),
    )
