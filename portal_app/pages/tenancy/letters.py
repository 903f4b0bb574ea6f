"""Letters and documents (seed 001's "electronic correspondence"): what we have sent about the
resident's tenancy, newest first, each a PDF download saying its size; and whether they get
letters by post or online, changed on Your details (``services/tenancy/letters.py``)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from portal_app import routes
from portal_app.clock import uk_today, utcnow
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.services.tenancy import letters
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState

OFFLINE = "You are offline. Connect to the internet to see your letters."


@dataclasses.dataclass
class LetterItem:
    kind: str = ""
    title: str = ""
    issued: str = ""
    size: str = ""
    href: str = ""


class LettersState(SessionState):
    loaded: bool = False
    found: bool = False
    items: list[LetterItem] = []
    chose_online: bool = False
    home_online: bool = False

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        found = await in_transaction(letters.my_letters, principal, today=uk_today(utcnow()), settings=get_settings())
        self.found = found is not None
        if found is not None:
            self.items = [
                LetterItem(x.kind_words, x.title, x.issued_words, x.size_words, x.href) for x in found.letters
            ]
            self.chose_online = found.chose_online
            self.home_online = found.home_online
        self.loaded = True


def _letter(x) -> rx.Component:
    # A kiosk keeps nothing on the device: there the title alone, no download.
    return rx.el.li(
        rx.el.a(
            x.title,
            rx.el.span(" (PDF, ", x.size, ")"),
            href=x.href,
            download=True,
            reload_document=True,
            class_name="not-kiosk",
        ),
        rx.el.strong(x.title, class_name="kiosk-only"),
        rx.el.p(x.kind, ", ", x.issued, class_name="hint"),
    )


def _choice() -> rx.Component:
    S = LettersState
    return rx.fragment(
        rx.el.h2("Letters by post or online"),
        rx.cond(
            S.chose_online,
            rx.el.p(
                "You chose letters online. We do not post you the letters shown here, and we email you when "
                "a new one arrives."
            ),
            rx.cond(
                S.home_online,
                rx.el.p(
                    "You chose letters by post, but a joint tenant chose letters online, so letters for your home "
                    "come online and we email you when a new one arrives."
                ),
                rx.el.p("You chose letters by post. We post your letters, and copies appear here too."),
            ),
        ),
        rx.el.p(rx.el.a("Change how you get letters", href=routes.YOUR_DETAILS), " on Your details."),
    )


def _found() -> rx.Component:
    S = LettersState
    return rx.fragment(
        rx.cond(
            S.items.length() > 0,
            rx.el.ul(rx.foreach(S.items, _letter), class_name="list-spaced"),
            rx.el.p("There are no letters or documents here yet."),
        ),
        rx.el.p(
            "On this shared computer letters cannot be downloaded. Sign in on your own phone or computer to "
            "read them, or ask at the desk for a printed copy.",
            class_name="caption kiosk-only",
        ),
        _choice(),
        rx.el.p(
            "Something in a letter you do not understand? ",
            rx.el.a("Ask us", href=routes.NEW_REQUEST),
            f" or phone {get_settings().landlord_phone}.",
        ),
    )


@page(routes.LETTERS, "Letters and documents", on_load=LettersState.load)
def letters_page() -> rx.Component:
    S = LettersState
    return rx.fragment(
        rx.el.h1("Letters and documents"),
        rx.cond(
            S.loaded,
            rx.cond(
                S.found,
                _found(),
                rx.el.p(
                    f"We cannot show letters for you. Phone {get_settings().landlord_phone} and we will look into it."
                ),
            ),
            loading_or_offline("Loading…", OFFLINE),
        ),
    )
