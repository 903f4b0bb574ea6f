"""The page frame: skip link, header, main landmark, footer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce

import reflex as rx
from reflex.vars.base import Var

from portal_app import routes
from portal_app.components.session_timeout import session_timeout
from portal_app.settings import get_settings
from portal_app.state.access import RESIDENT, access_of
from portal_app.state.session import SessionState


def session_switch(signed_in: Callable[[str], rx.Component], signed_out: Callable[[str], rx.Component]) -> rx.Component:
    """What the server says (``SessionState.signed_in``) once the page has its state; until
    then, both versions, and CSS shows the one the boot script's hint picks
    (``html[data-session]``: this tab holds a session token). The prerendered page then
    already has the right header and panels, so nothing moves when the state arrives.

    Each builder gets the class to add to its outermost element: ``session-only`` /
    ``no-session-only`` before the state arrives, nothing after."""
    return rx.cond(
        rx.State.is_hydrated,
        rx.cond(SessionState.signed_in, signed_in(""), signed_out("")),
        rx.fragment(signed_in("session-only"), signed_out("no-session-only")),
    )


def _nav_list(signed_in: bool, hint: str) -> rx.Component:
    if signed_in:
        items = [
            rx.el.li(rx.el.a("Your accounts", href=routes.HOME)),
            rx.el.li(rx.el.a("My requests", href=routes.REQUESTS)),
            rx.el.li(rx.el.a("Repairs", href=routes.REPAIRS)),
            rx.el.li(rx.el.a("Your details", href=routes.YOUR_DETAILS)),
            rx.el.li(rx.el.a("Sign-in and security", href=routes.SECURITY)),
            rx.el.li(
                rx.el.button("Sign out", type="button", class_name="link-button", on_click=SessionState.sign_out),
                class_name="not-kiosk",  # a kiosk has the big "Finish and sign out" instead
            ),
        ]
    else:
        items = [rx.el.li(rx.el.a("Sign in", href=routes.SIGN_IN)), rx.el.li(rx.el.a("Register", href=routes.REGISTER))]
    return rx.el.ul(*items, class_name=f"header__nav {hint}".strip())


def _nav() -> rx.Component:
    return rx.el.nav(
        session_switch(lambda hint: _nav_list(True, hint), lambda hint: _nav_list(False, hint)), aria_label="Account"
    )


def _kiosk_bar() -> rx.Component:
    """Shown only on a kiosk (html[data-kiosk], see components/boot.py): one big way to
    leave, signed in or not. assets/kiosk.js presses the same button when the screen
    has been left alone, and the hidden one to tell the server the resident is active."""
    return rx.el.div(
        rx.el.div(
            rx.el.button(
                "Finish and sign out",
                type="button",
                id="kiosk-finish",
                class_name="button kiosk-finish",
                on_click=SessionState.sign_out,
            ),
            rx.el.button(
                "Still here",
                type="button",
                id="kiosk-keep-alive",
                hidden=True,
                tab_index=-1,
                on_click=SessionState.keep_alive,
            ),
            class_name="width",
        ),
        class_name="kiosk-only kiosk-bar",
    )


def skip_link() -> rx.Component:
    """ "Skip to main content": it moves keyboard focus to the main landmark, not only the
    scroll (WCAG 2.4.1; a link to ``#main-content`` alone leaves focus on the link in a
    single-page app), so the next Tab is inside the page's content."""
    return rx.el.nav(
        rx.el.a(
            "Skip to main content",
            href="#main-content",
            class_name="skip-link",
            # Cancelled: Reflex draws the link as a router link, which resolves the bare
            # "#main-content" against the route and so drops the page's query (and what was typed).
            on_click=rx.call_script("document.getElementById('main-content')?.focus()").prevent_default,
        ),
        aria_label="Skip link",
    )


def page_frame(*children: rx.Component) -> rx.Component:
    settings = get_settings()
    return rx.fragment(
        skip_link(),
        rx.el.header(
            rx.el.div(
                rx.el.a(f"{settings.landlord_name} · Doorstep", href=routes.START, class_name="header__service"),
                _nav(),
                class_name="header__inner",
            ),
            _kiosk_bar(),
            class_name="header",
        ),
        rx.el.main(rx.el.div(*children, class_name="width"), id="main-content", tab_index=-1),
        session_timeout(),  # the warning before the session ends for want of use (issue 13 item 14)
        footer(
            f"{settings.landlord_name}. Phone {settings.landlord_phone} ({settings.landlord_hours}) "
            f"or email {settings.landlord_email}. You can still phone or email us: this portal is an extra way to reach us.",
            [("Budget planner", routes.BUDGET), ("Accessibility statement", routes.ACCESSIBILITY)],
        ),
    )


def footer(words: str, links: list[tuple[str, str]]) -> rx.Component:
    """Every page's footer: ``words``, ``links``, then the privacy notice and the cookie page
    (linked from every page, residents' and staff's alike)."""
    every = [*links, ("Privacy", routes.PRIVACY), ("Cookies", routes.COOKIES)]
    return rx.el.footer(
        rx.el.div(
            rx.el.p(words),
            rx.el.ul(*[rx.el.li(rx.el.a(text, href=href)) for text, href in every], class_name="footer__links"),
            class_name="width",
        ),
        class_name="footer",
    )


@dataclass(frozen=True)
class PageTitle:
    """A page's title (WCAG 2.4.2), unique to each state of the page a resident tells apart.

    ``default`` is the title before the page's state arrives and whenever nothing below
    applies; ``by`` is a state var whose value picks one of ``states`` ((value, words));
    ``named`` is a str var of words naming what the page shows (an account), "" until
    known; while any of ``errors`` (dict or str vars) is not empty, "Error: " comes first
    (GOV.UK: a page whose form shows errors says so in its title). ``suffix`` follows the
    words: the landlord, and for the back office "Back office" too."""

    words: str
    suffix: str
    by: Var | None = None
    states: tuple[tuple[str, str], ...] = ()
    named: Var | None = None
    errors: tuple[Var, ...] = ()

    def every(self) -> tuple[str, ...]:
        """The titles this page can show that are known before it runs (not ``named`` ones)."""
        return tuple(f"{words}{self.suffix}" for words in (self.words, *(w for _, w in self.states)))

    def var(self) -> Var | str:
        """What ``app.add_page(title=...)`` gets: the plain title, or a Var that follows the state."""
        if self.by is None and self.named is None and not self.errors:
            return f"{self.words}{self.suffix}"
        words: Var = Var.create(self.words)
        if self.by is not None:
            words = rx.match(self.by, *self.states, self.words)
        if self.named is not None:
            words = rx.cond(self.named != "", self.named, words)
        title = words.to(str) + self.suffix
        if self.errors:
            showing = reduce(lambda a, b: a | b, [e.length() > 0 for e in self.errors])
            title = rx.cond(showing, Var.create("Error: ") + title, title)
        return title


def page_title(
    words: str,
    suffix: str,
    *,
    by: Var | None = None,
    states: Sequence[tuple[str, str]] = (),
    named: Var | None = None,
    errors: Var | Sequence[Var] = (),
) -> PageTitle:
    return PageTitle(words, suffix, by, tuple(states), named, (errors,) if isinstance(errors, Var) else tuple(errors))


def register_page(fn, route: str, title: PageTitle, loaders: list, frame: Callable[..., rx.Component]) -> None:
    """Add ``fn``'s page, drawn inside ``frame``, to the pages ``portal_app.py`` registers."""

    def render() -> rx.Component:
        return frame(fn())

    render.__name__ = fn.__name__
    # Reflex writes a page's memoized components to a file named after the page
    # function's module. Without this every page's would land in one file for this
    # module (650 KB, the budget planner's formulas most of it) that every page loads.
    render.__module__ = fn.__module__
    render.__qualname__ = fn.__qualname__
    PAGES.append((render, route, title, loaders))


def page(route: str, title: str, on_load=None, **titles):
    """Decorator: register a page function with its route, title and loaders. ``titles``
    (``by``, ``states``, ``named``, ``errors``) make the title follow the page's state
    (``PageTitle``)."""

    def decorator(fn):
        own = [] if on_load is None else on_load if isinstance(on_load, list) else [on_load]
        # A resident-only loader looks up the session itself (and keeps the header honest):
        # asking the database a second time on the same page load is wasted work.
        loaders = own if any(_is_resident_only(h) for h in own) else [SessionState.check_session, *own]
        shown = page_title(title, f" · {get_settings().landlord_name}", **titles)
        register_page(fn, route, shown, loaders, page_frame)
        return fn

    return decorator


PAGES: list = []


def _is_resident_only(handler) -> bool:
    mark = access_of(getattr(handler, "fn", handler))
    return mark is not None and mark.kind == RESIDENT
