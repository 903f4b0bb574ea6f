"""Pieces shared by the account pages: the account picker, the links between the
account's pages, and what is shown for an account the resident may not see."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from portal_app import routes
from portal_app.settings import get_settings


def account_picker(options: rx.Var, chosen: rx.Var, href: Callable[[rx.Var], rx.Var | str]) -> rx.Component:
    """Links to each of the resident's accounts (shown only when they have more than one);
    ``href`` is the ``routes`` builder of this page for one account reference."""
    return rx.cond(
        options.length() > 1,
        rx.el.nav(
            rx.el.h2("Your accounts", class_name="heading-s"),
            rx.el.ul(
                rx.foreach(
                    options,
                    lambda o: rx.el.li(
                        rx.cond(
                            o["ref"] == chosen,
                            rx.el.span(o["label"], " ", o["ref"], " (showing)", aria_current="page"),
                            rx.el.a(o["label"], " ", o["ref"], href=href(o["ref"])),
                        )
                    ),
                ),
                class_name="list",
            ),
            aria_label="Choose an account",
            class_name="picker",
        ),
    )


def account_tabs(chosen: rx.Var, current: str) -> rx.Component:
    """The things a resident does with this account, as plain links."""
    items = [
        ("account", "Balance and transactions", routes.ACCOUNT),
        ("statement", "Statements", routes.STATEMENT),
        ("pay", "Make a payment", routes.PAY),
        ("requests", "Ask us something", routes.NEW_REQUEST),
    ]
    return rx.el.nav(
        rx.el.ul(
            *[
                rx.el.li(
                    rx.el.a(
                        text, href=routes.with_account(href, chosen), aria_current="page" if key == current else None
                    )
                )
                for key, text, href in items
            ],
            rx.el.li(rx.el.a("My requests", href=routes.REQUESTS)),
            class_name="tabs",
        ),
        aria_label="This account",
    )


def not_yours(refused: rx.Var) -> rx.Component:
    """The same words for an unknown account and for someone else's: nothing is revealed."""
    s = get_settings()
    return rx.fragment(
        rx.el.h1("We cannot show that account"),
        rx.cond(
            refused,
            rx.el.p(
                "That account is not one you can see here. Check the link, or go to ",
                rx.el.a("your accounts", href=routes.HOME),
                ".",
            ),
            rx.el.p(
                f"We cannot show any accounts for you at the moment. Phone {s.landlord_phone} and we will look into it."
            ),
        ),
    )
